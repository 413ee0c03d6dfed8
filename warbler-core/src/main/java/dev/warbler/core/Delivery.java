package dev.warbler.core;

import java.util.List;

/** A durable message on its way to the online devices of {@code recipients}. */
public record Delivery(ChatMessage message, List<String> recipients) {}

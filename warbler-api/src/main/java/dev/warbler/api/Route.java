package dev.warbler.api;

import io.javalin.http.Handler;

/** One REST operation: the table that registers routes is the one the OpenAPI test reads. */
public record Route(String method, String path, String operationId, Handler handler) {}

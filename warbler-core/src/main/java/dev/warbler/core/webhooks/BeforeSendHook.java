package dev.warbler.core.webhooks;

/**
 * An app's before-send hook: {@code url} is called before each message a user sends is stored,
 * signed with {@code secret} like a webhook, and may allow, reject or modify it. When it does not
 * answer within {@code timeoutMillis} or answers badly, the message is stored unchanged ({@code
 * failOpen}) or refused with UNAVAILABLE.
 */
public record BeforeSendHook(
    String app, String url, String secret, boolean failOpen, int timeoutMillis, long updatedAt) {}

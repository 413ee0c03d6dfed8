package dev.warbler.gateway;

import dev.warbler.core.Services;
import java.util.concurrent.ExecutorService;

/**
 * The gateway's request handlers, one per capability, each with only the core services it uses.
 * Built once per gateway and shared by every connection; {@link Requests} dispatches to them.
 */
record RequestHandlers(
    MessagingRequests messaging,
    LifecycleRequests lifecycle,
    SignalRequests signals,
    GroupRequests groups,
    ChatroomRequests chatrooms,
    ContactRequests contacts) {

  /**
   * The handlers over {@code services}; blocking work of chatroom closes runs on {@code blocking};
   * sends are traced by {@code traces}.
   */
  static RequestHandlers of(Services services, ExecutorService blocking, GatewayTraces traces) {
    return new RequestHandlers(
        new MessagingRequests(services.messenger(), services.chatrooms(), traces),
        new LifecycleRequests(services.lifecycle()),
        new SignalRequests(services.receipts(), services.presence(), services.clock()),
        new GroupRequests(services.groups()),
        new ChatroomRequests(services.chatrooms(), blocking),
        new ContactRequests(services.contacts(), services.conversations()));
  }
}

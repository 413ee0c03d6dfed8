package dev.warbler.core;

import java.lang.reflect.Proxy;

/** Ports a test needs to construct a service with but never calls: each call fails, naming it. */
public final class Unused {
  private Unused() {}

  public static <T> T port(Class<T> type) {
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "toString" -> {
                  return "unused " + type.getSimpleName();
                }
                case "hashCode" -> {
                  return System.identityHashCode(proxy);
                }
                case "equals" -> {
                  return proxy == args[0];
                }
                default -> {}
              }
              throw new UnsupportedOperationException(
                  type.getSimpleName() + "." + method.getName() + " is not used by this test");
            }));
  }
}

package dev.warbler.sdk;

import java.lang.System.Logger.Level;

/**
 * The SDK's logging: the JDK's {@link System.Logger}, so that the SDK adds no logging dependency
 * and prints no "no SLF4J providers" warning into an app that has none. An app that logs through
 * SLF4J routes these lines there with {@code org.slf4j:slf4j-jdk-platform-logging} on its
 * classpath; otherwise they go to {@code java.util.logging}. Messages use SLF4J's {@code {}}
 * placeholders; a {@link Throwable} after the last placeholder's argument is logged as the cause.
 */
final class SdkLog {
  private final System.Logger logger;

  private SdkLog(System.Logger logger) {
    this.logger = logger;
  }

  static SdkLog of(Class<?> type) {
    return new SdkLog(System.getLogger(type.getName()));
  }

  void trace(String format, Object... args) {
    log(Level.TRACE, format, args);
  }

  void debug(String format, Object... args) {
    log(Level.DEBUG, format, args);
  }

  void info(String format, Object... args) {
    log(Level.INFO, format, args);
  }

  void warn(String format, Object... args) {
    log(Level.WARNING, format, args);
  }

  private void log(Level level, String format, Object... args) {
    if (!logger.isLoggable(level)) {
      return;
    }
    StringBuilder out = new StringBuilder(format.length() + 32);
    int arg = 0;
    int i = 0;
    while (i < format.length()) {
      int at = format.indexOf("{}", i);
      if (at < 0 || arg >= args.length) {
        out.append(format, i, format.length());
        break;
      }
      out.append(format, i, at).append(args[arg++]);
      i = at + 2;
    }
    if (arg < args.length && args[args.length - 1] instanceof Throwable t) {
      logger.log(level, out.toString(), t);
    } else {
      logger.log(level, out.toString());
    }
  }
}

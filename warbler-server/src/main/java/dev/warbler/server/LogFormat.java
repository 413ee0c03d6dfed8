package dev.warbler.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code log.format} (text or json) and the node id to the {@link LogEncoder}s of the root
 * logger, once the settings are read. One node per process names itself in every line; in a test
 * JVM holding several nodes, the last one started does.
 */
final class LogFormat {
  private LogFormat() {}

  /**
   * Switches the encoders of the root logger's appenders to {@code log.format}, naming {@code
   * node}.
   */
  static void apply(Settings settings, String node) {
    String format = parse(settings.string(Setting.LOG_FORMAT), Setting.LOG_FORMAT.key());
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J backend: it has its own configuration
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out
          && out.getEncoder() instanceof LogEncoder encoder) {
        encoder.setFormat(format);
        encoder.node(node);
      }
    }
  }

  /** {@code text} or {@code json} (any case); an IllegalArgumentException naming {@code what}. */
  static String parse(String value, String what) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.equals("text") || v.equals("json")) {
      return v;
    }
    throw new IllegalArgumentException(what + " must be text or json but was '" + value + "'");
  }
}

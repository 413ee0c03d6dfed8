package dev.warbler.server;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The server's log lines on stderr (named in {@code logback.xml}), in one of two formats: {@code
 * text}, a human line made by {@link #setPattern the pattern}; or {@code json}, one JSON object per
 * line: {@code timestamp} (ISO-8601, UTC, milliseconds), {@code level}, {@code logger}, {@code
 * thread}, {@code message}, {@code node} (once a node started), {@code trace_id} and {@code
 * span_id} (when the logging thread is inside a sampled span), the MDC's entries under {@code mdc},
 * and {@code exception} (the stack trace as text). The format comes from {@code WARBLER_LOG_FORMAT}
 * at the first line and from {@code log.format} once the settings are read ({@link LogFormat}).
 *
 * <p>The current span is read on the thread that logs: the appender must call the encoder
 * synchronously (the console appender of {@code logback.xml} does; an async appender would lose the
 * trace ids).
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {
  private static final JsonFactory JSON = new JsonFactory();

  private final PatternLayout text = new PatternLayout();
  private volatile boolean json;
  private volatile @Nullable String node;

  /** {@code text} or {@code json}; anything else is refused. */
  public void setFormat(String format) {
    this.json = LogFormat.parse(format, "WARBLER_LOG_FORMAT").equals("json");
  }

  /** The format now in use: {@code text} or {@code json}. */
  public String format() {
    return json ? "json" : "text";
  }

  /** The pattern of the text format (logback's {@link PatternLayout}). */
  public void setPattern(String pattern) {
    text.setPattern(pattern);
  }

  /** The node id every JSON line carries from now on. */
  void node(String id) {
    this.node = id;
  }

  @Override
  public void start() {
    text.setContext(getContext());
    text.start();
    super.start();
  }

  @Override
  public void stop() {
    text.stop();
    super.stop();
  }

  @Override
  public byte @Nullable [] headerBytes() {
    return null;
  }

  @Override
  public byte @Nullable [] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    if (!json) {
      return text.doLayout(event).getBytes(StandardCharsets.UTF_8);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(bytes)) {
      g.writeStartObject();
      g.writeStringField("timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      g.writeStringField("level", event.getLevel().toString());
      g.writeStringField("logger", event.getLoggerName());
      g.writeStringField("thread", event.getThreadName());
      g.writeStringField("message", event.getFormattedMessage());
      String id = node;
      if (id != null) {
        g.writeStringField("node", id);
      }
      SpanContext span = Span.current().getSpanContext();
      if (span.isValid()) {
        g.writeStringField("trace_id", span.getTraceId());
        g.writeStringField("span_id", span.getSpanId());
      }
      Map<String, String> mdc = event.getMDCPropertyMap();
      if (mdc != null && !mdc.isEmpty()) {
        g.writeObjectFieldStart("mdc");
        for (Map.Entry<String, String> e : mdc.entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) {
        g.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    bytes.write('\n');
    return bytes.toByteArray();
  }

  @Override
  public String toString() {
    return "LogEncoder[" + format().toLowerCase(Locale.ROOT) + "]";
  }
}

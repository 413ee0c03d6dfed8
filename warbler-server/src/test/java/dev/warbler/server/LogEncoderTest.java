package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The log lines of {@code log.format}: text as the pattern says; json as one object per line with
 * the node and, inside a span, its trace and span ids; the format switched by the settings on the
 * appender {@code logback.xml} configures.
 */
class LogEncoderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static LogEncoder encoder(String format) {
    LogEncoder encoder = new LogEncoder();
    encoder.setContext(new LoggerContext());
    encoder.setPattern("%level %logger - %msg%n");
    encoder.setFormat(format);
    encoder.start();
    return encoder;
  }

  private static LoggingEvent event(String message, Object... args) {
    // The process's context: it has the MDC adapter an event reads.
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger logger = context.getLogger("dev.warbler.test.Logs");
    LoggingEvent event =
        new LoggingEvent(
            "ch.qos.logback.classic.Logger",
            logger,
            Level.WARN,
            message,
            args.length > 0 && args[args.length - 1] instanceof Throwable t ? t : null,
            args);
    event.setThreadName("worker-1");
    event.setTimeStamp(Instant.parse("2026-12-07T10:15:30.123Z").toEpochMilli());
    return event;
  }

  private static JsonNode line(LogEncoder encoder, LoggingEvent event) throws Exception {
    String out = new String(encoder.encode(event), StandardCharsets.UTF_8);
    assertThat(out).endsWith("\n");
    assertThat(out.strip()).doesNotContain("\n");
    return JSON.readTree(out);
  }

  @Test
  void textLinesFollowThePattern() {
    String out =
        new String(
            encoder("text").encode(event("sent {} to {}", 3, "bob")), StandardCharsets.UTF_8);
    assertThat(out).isEqualTo("WARN dev.warbler.test.Logs - sent 3 to bob\n");
  }

  @Test
  void jsonLinesCarryTheFieldsAndNoTraceOutsideASpan() throws Exception {
    LogEncoder encoder = encoder("json");
    encoder.node("node-7");
    JsonNode line = line(encoder, event("a \"quoted\"\nline for {}", "amy"));
    assertThat(line.get("timestamp").asText()).isEqualTo("2026-12-07T10:15:30.123Z");
    assertThat(line.get("level").asText()).isEqualTo("WARN");
    assertThat(line.get("logger").asText()).isEqualTo("dev.warbler.test.Logs");
    assertThat(line.get("thread").asText()).isEqualTo("worker-1");
    assertThat(line.get("message").asText()).isEqualTo("a \"quoted\"\nline for amy");
    assertThat(line.get("node").asText()).isEqualTo("node-7");
    assertThat(line.has("trace_id")).isFalse();
    assertThat(line.has("span_id")).isFalse();
    assertThat(line.has("exception")).isFalse();
  }

  @Test
  void jsonLinesInsideASpanNameItsTraceAndSpanAndCarryTheStackTrace() throws Exception {
    LogEncoder encoder = encoder("JSON");
    // The SDK makes no spans without a processor: one that keeps nothing.
    SpanProcessor keepNothing =
        new SpanProcessor() {
          @Override
          public void onStart(Context parent, ReadWriteSpan span) {}

          @Override
          public boolean isStartRequired() {
            return false;
          }

          @Override
          public void onEnd(ReadableSpan span) {}

          @Override
          public boolean isEndRequired() {
            return true;
          }
        };
    try (SdkTracerProvider tracers =
        SdkTracerProvider.builder().addSpanProcessor(keepNothing).build()) {
      Tracer tracer = tracers.get("test");
      Span span = tracer.spanBuilder("send").startSpan();
      JsonNode line;
      try (Scope ignored = span.makeCurrent()) {
        line = line(encoder, event("failed", new IllegalStateException("boom")));
      } finally {
        span.end();
      }
      assertThat(line.get("trace_id").asText())
          .isEqualTo(span.getSpanContext().getTraceId())
          .hasSize(32);
      assertThat(line.get("span_id").asText())
          .isEqualTo(span.getSpanContext().getSpanId())
          .hasSize(16);
      assertThat(line.get("exception").asText())
          .contains("java.lang.IllegalStateException: boom")
          .contains("at dev.warbler.server.LogEncoderTest");
      assertThat(line.has("node")).as("no node started in this encoder").isFalse();
    }
  }

  @Test
  void anUnknownFormatIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> new LogEncoder().setFormat("xml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("WARBLER_LOG_FORMAT must be text or json but was 'xml'");
    assertThatThrownBy(
            () -> LogFormat.apply(Settings.defaults().with(Setting.LOG_FORMAT, "yaml"), "n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("log.format must be text or json but was 'yaml'");
  }

  @Test
  void theSettingSwitchesTheEncoderOfTheConfiguredConsoleAppender() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
    LogEncoder encoder = (LogEncoder) stderr.getEncoder();
    assertThat(encoder.format()).as("logback.xml's default").isEqualTo("text");
    try {
      LogFormat.apply(Settings.defaults().with(Setting.LOG_FORMAT, "json"), "node-a");
      assertThat(encoder.format()).isEqualTo("json");
      assertThat(
              new String(encoder.encode(event("started")), StandardCharsets.UTF_8)
                  .startsWith("{\"timestamp\":"))
          .isTrue();
    } finally {
      LogFormat.apply(Settings.defaults(), "node-a");
    }
    assertThat(encoder.format()).isEqualTo("text");
  }
}

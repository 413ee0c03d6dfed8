package dev.warbler.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** One scenario's figures, in insertion order: printed as a table or as one JSON object. */
final class Result {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<String, Object> fields = new LinkedHashMap<>();

  Result(String scenario) {
    fields.put("scenario", scenario);
  }

  Result put(String name, Object value) {
    fields.put(name, value);
    return this;
  }

  Object get(String name) {
    return fields.get(name);
  }

  Map<String, Object> fields() {
    return fields;
  }

  /** Adds sent/acked/delivered/lost/duplicates, throughput and latency percentiles. */
  Result delivery(Tally tally, double seconds, Histogram latencyMicros) {
    put("sent", tally.sent());
    put("acked", tally.acked());
    put("delivered", tally.delivered());
    put("lost", tally.lost());
    put("duplicates", tally.duplicates());
    put("throughput_per_s", round(seconds <= 0 ? 0 : tally.delivered() / seconds));
    latency(latencyMicros);
    return this;
  }

  Result latency(Histogram micros) {
    put("p50_ms", ms(micros.getValueAtPercentile(50)));
    put("p99_ms", ms(micros.getValueAtPercentile(99)));
    put("p999_ms", ms(micros.getValueAtPercentile(99.9)));
    put("max_ms", ms(micros.getMaxValue()));
    return this;
  }

  static double ms(long micros) {
    return round(micros / 1000.0);
  }

  static double round(double v) {
    return Math.round(v * 100.0) / 100.0;
  }

  String json() {
    try {
      return JSON.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  void print(PrintWriter out, boolean json) {
    if (json) {
      out.println(json());
    } else {
      int width = fields.keySet().stream().mapToInt(String::length).max().orElse(10);
      fields.forEach((k, v) -> out.printf("  %-" + width + "s  %s%n", k, v));
    }
    out.flush();
  }
}

package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/protocol.md's error and close code tables true: a client written from the document
 * alone must know every code the server can send, with its retry or reconnect rule.
 */
class ProtocolDocTest {
  private static String section(String doc, String heading) {
    int start = doc.indexOf(heading);
    assertThat(start).as(heading).isNotNegative();
    int end = doc.indexOf("\n## ", start + heading.length());
    return end < 0 ? doc.substring(start) : doc.substring(start, end);
  }

  /** Table rows {@code | code | second column | ...} of a section, by code. */
  private static Map<Integer, String[]> rows(String section) {
    Map<Integer, String[]> rows = new HashMap<>();
    for (String line : section.lines().toList()) {
      String[] cells = line.split("\\|");
      if (cells.length > 3 && cells[1].strip().matches("\\d+")) {
        rows.put(Integer.parseInt(cells[1].strip()), cells);
      }
    }
    return rows;
  }

  private static String doc() throws IOException {
    return Files.readString(Path.of("..", "docs", "protocol.md"));
  }

  @Test
  void everyErrorCodeIsDocumentedWithItsNameAndRetryFlag() throws IOException {
    Map<Integer, String[]> documented = rows(section(doc(), "## 5. Error codes"));
    for (ErrorCode code : ErrorCode.values()) {
      String[] row = documented.get(code.code());
      assertThat(row).as("protocol.md section 5 lists %s (%d)", code, code.code()).isNotNull();
      assertThat(row[2].strip()).as("name of %d", code.code()).isEqualTo(code.name());
      assertThat(row[3].strip())
          .as("retryable of %s", code)
          .isEqualTo(code.retryable() ? "yes" : "no");
    }
    assertThat(documented.keySet())
        .as("codes documented but not in ErrorCode")
        .allMatch(c -> ErrorCode.of(c).isPresent());
  }

  @Test
  void everyCloseCodeIsDocumentedWithItsReconnectRule() throws IOException {
    Map<Integer, String[]> documented = rows(section(doc(), "## 6. Close codes"));
    for (CloseCode code : CloseCode.values()) {
      String[] row = documented.get(code.code());
      assertThat(row).as("protocol.md section 6 lists %s (%d)", code, code.code()).isNotNull();
      assertThat(row[2].strip())
          .as("reconnect of %s", code)
          .isEqualTo(code.reconnect() ? "yes" : "no");
    }
  }
}

package dev.warbler.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.core.audit.AuditChain;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.audit.AuditKey;
import dev.warbler.core.audit.AuditRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * {@code warbler audit verify}: reads the whole audit log from a running server's REST export
 * ({@code GET /v1/audit?format=jsonl} with the admin key) and recomputes its keyed chain with the
 * audit key.
 *
 * <p>Why over REST and not from the data directory: the check then needs no access to the server's
 * host or database (an auditor holds the admin key and a copy of the audit key), runs while the
 * server runs without touching its database, and checks what the server actually serves; the chain
 * is recomputed here from the entries' fields with {@link AuditChain}, so the server cannot vouch
 * for itself.
 */
@CommandLine.Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Work with the audit log.",
    subcommands = AuditCommand.Verify.class)
public final class AuditCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @CommandLine.Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Recompute the audit log's hash chain from the server's export.",
        "Exit 0 when every entry verifies, 1 at the first broken entry, 2 when the log cannot"
            + " be read."
      })
  static final class Verify implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(
        names = "--server",
        paramLabel = "URL",
        description = "server HTTP address (default: $WARBLER_SERVER, else http://127.0.0.1:8080)")
    @Nullable String server;

    @CommandLine.Option(
        names = "--admin-key-file",
        paramLabel = "FILE",
        description =
            "file holding the admin key (default: $WARBLER_ADMIN_KEY, else"
                + " $WARBLER_DATA_DIR/admin.key or ./data/admin.key)")
    @Nullable Path adminKeyFile;

    @CommandLine.Option(
        names = "--audit-key-file",
        paramLabel = "FILE",
        description =
            "file holding the audit chain's key (default: $WARBLER_AUDIT_KEY_FILE, else"
                + " $WARBLER_DATA_DIR/audit.key or ./data/audit.key)")
    @Nullable Path auditKeyFile;

    @CommandLine.Option(
        names = "--ca-file",
        paramLabel = "FILE",
        description =
            "PEM file of the CA (or self-signed certificate) to trust for https, instead of the"
                + " system trust store (default: $WARBLER_CA_FILE)")
    @Nullable Path caFile;

    @CommandLine.Option(
        names = "--expect-head",
        paramLabel = "HASH",
        description =
            "a head hash recorded earlier (printed by a previous run): it must still be in the"
                + " chain, which detects a truncated tail")
    @Nullable String expectHead;

    /** Environment variables; replaced by tests. */
    Map<String, String> env = System.getenv();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String base =
          server != null ? server : env.getOrDefault("WARBLER_SERVER", "http://127.0.0.1:8080");
      String key;
      AuditKey auditKey;
      try {
        key = adminKey();
        auditKey = auditKey();
      } catch (IOException | IllegalStateException | IllegalArgumentException e) {
        err.println("error: " + e.getMessage());
        err.flush();
        return 2;
      }
      AuditChain.Verifier verifier = new AuditChain.Verifier(auditKey);
      boolean headSeen = expectHead == null;
      ObjectMapper json = new ObjectMapper();
      try {
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(stripSlash(base) + "/v1/audit?format=jsonl"))
                .header("Authorization", "Bearer " + key)
                .GET()
                .build();
        HttpResponse<InputStream> response =
            httpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines =
            new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
          if (response.statusCode() != 200) {
            err.println(
                "error: the server answered " + response.statusCode() + ": " + lines.readLine());
            err.flush();
            return 2;
          }
          String line;
          while ((line = lines.readLine()) != null) {
            if (line.isBlank()) {
              continue;
            }
            AuditRecord r = record(json.readTree(line));
            if (!verifier.accept(r)) {
              break;
            }
            headSeen |= r.hash().equals(expectHead);
          }
        }
      } catch (IOException | IllegalArgumentException e) {
        err.println("error: cannot read the audit log from " + base + ": " + e.getMessage());
        err.flush();
        return 2;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 2;
      }
      if (verifier.problem().isPresent()) {
        out.println(
            "BROKEN at entry "
                + verifier.firstBroken()
                + ": "
                + verifier.problem().get()
                + " ("
                + verifier.checked()
                + " entries before it verify)");
        out.flush();
        return 1;
      }
      if (!headSeen) {
        out.println(
            "BROKEN: the expected head "
                + expectHead
                + " is not in the chain (entries were removed from the end) ("
                + verifier.checked()
                + " entries verify)");
        out.flush();
        return 1;
      }
      out.println("ok: " + verifier.checked() + " entries verify; head " + verifier.head());
      out.flush();
      return 0;
    }

    /** Trusts --ca-file (else WARBLER_CA_FILE) when given, the system trust store otherwise. */
    private HttpClient httpClient() {
      Path ca = caFile;
      if (ca == null) {
        String fromEnv = env.get("WARBLER_CA_FILE");
        ca = fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv.strip());
      }
      if (ca == null) {
        return HttpClient.newHttpClient();
      }
      try {
        return HttpClient.newBuilder()
            .sslContext(dev.warbler.sdk.TrustedCertificates.sslContext(ca))
            .build();
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        throw new IllegalArgumentException("--ca-file " + ca + ": " + e.getMessage(), e);
      }
    }

    private static String stripSlash(String s) {
      return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private String adminKey() throws IOException {
      Path file = adminKeyFile;
      if (file == null) {
        String fromEnv = env.get("WARBLER_ADMIN_KEY");
        if (fromEnv != null && !fromEnv.isBlank()) {
          return fromEnv.strip();
        }
        file = Path.of(env.getOrDefault("WARBLER_DATA_DIR", "data")).resolve("admin.key");
      }
      if (!Files.isRegularFile(file)) {
        throw new IllegalStateException(
            "no admin key: set WARBLER_ADMIN_KEY or pass --admin-key-file ("
                + file
                + " not found)");
      }
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    /** The audit key: --audit-key-file, else WARBLER_AUDIT_KEY_FILE, else the data directory's. */
    private AuditKey auditKey() throws IOException {
      Path file = auditKeyFile;
      if (file == null) {
        String fromEnv = env.get("WARBLER_AUDIT_KEY_FILE");
        file =
            fromEnv != null && !fromEnv.isBlank()
                ? Path.of(fromEnv.strip())
                : Path.of(env.getOrDefault("WARBLER_DATA_DIR", "data")).resolve("audit.key");
      }
      if (!Files.isRegularFile(file)) {
        throw new IllegalStateException(
            "no audit key: pass --audit-key-file or set WARBLER_AUDIT_KEY_FILE ("
                + file
                + " not found); the chain cannot be checked without the key that wrote it");
      }
      try {
        return new AuditKey(
            java.util.Base64.getDecoder()
                .decode(Files.readString(file, StandardCharsets.UTF_8).strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the audit key in " + file + ": " + e.getMessage(), e);
      }
    }

    private static AuditRecord record(JsonNode n) {
      return new AuditRecord(
          n.path("seq").asLong(),
          n.path("appSeq").asLong(),
          new AuditEvent(
              n.path("time").asLong(),
              n.path("app").asText(),
              n.path("actor").asText(),
              n.path("ip").asText(),
              n.path("action").asText(),
              n.path("target").asText(),
              n.path("outcome").asText(),
              n.path("error").asText(),
              n.path("count").asLong(),
              n.path("detail").asText()),
          n.path("prevHash").asText(),
          n.path("hash").asText(),
          n.path("keyed").asBoolean());
    }
  }
}

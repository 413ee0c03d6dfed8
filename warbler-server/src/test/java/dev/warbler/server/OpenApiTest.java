package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.warbler.api.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps docs/openapi.yaml true: the same operations as the running server, each one served. */
class OpenApiTest {
  @TempDir static Path dir;
  static TestServer node;
  static JsonNode doc;

  @BeforeAll
  static void start() throws IOException {
    node = TestServer.start(dir);
    Path file = Path.of("..", "docs", "openapi.yaml");
    doc = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  record Op(String method, String path, String operationId) {}

  private static Set<Op> documented() {
    Set<Op> ops = new HashSet<>();
    Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
    while (paths.hasNext()) {
      Map.Entry<String, JsonNode> p = paths.next();
      for (String m : new String[] {"get", "post", "put", "patch", "delete"}) {
        JsonNode op = p.getValue().get(m);
        if (op != null) {
          ops.add(new Op(m.toUpperCase(Locale.ROOT), p.getKey(), op.get("operationId").asText()));
        }
      }
    }
    return ops;
  }

  private static Set<Op> served() {
    Set<Op> ops = new HashSet<>();
    for (Route r : node.server.routes()) {
      ops.add(new Op(r.method(), r.path(), r.operationId()));
    }
    return ops;
  }

  @Test
  void documentedOperationsAreExactlyTheServedOnes() {
    assertThat(documented()).containsExactlyInAnyOrderElementsOf(served());
  }

  @Test
  void coreOperationIdsRequiredByTheProductExist() {
    assertThat(documented().stream().map(Op::operationId))
        .contains(
            "createApp",
            "createUser",
            "getUser",
            "deleteUser",
            "issueUserToken",
            "createGroup",
            "addGroupMembers",
            "removeGroupMembers",
            "sendMessage",
            "listMessages",
            "createChatroom",
            "sendChatroomMessage",
            "getConversation",
            "listConversations");
  }

  @Test
  void receiptPresenceProfileAndUsageOperationIdsExist() {
    assertThat(documented().stream().map(Op::operationId))
        .contains("updateUser", "listUsers", "markRead", "getPresence", "getUsage");
  }

  @Test
  void groupOperationIdsRequiredByTheProductExist() {
    assertThat(documented().stream().map(Op::operationId))
        .contains(
            "getGroup",
            "updateGroup",
            "deleteGroup",
            "listGroupMembers",
            "setMemberRole",
            "muteMember",
            "banUser");
  }

  @Test
  void everyDocumentedPathAnswersOnTheRunningServerInsteadOf404ForMissingRoute() {
    for (Op op : documented()) {
      String path =
          op.path()
              .replace("{app}", "default")
              .replace("{user}", "nobody")
              .replace("{group}", "nogroup")
              .replace("{conversation}", "g:nogroup")
              // A {seq} path parameter: a number; any other (e.g. {room}): a name that is not
              // there.
              .replace("{seq}", "1")
              .replaceAll("\\{([A-Za-z]+)}", "no$1");
      TestServer.Reply r = node.call(op.method(), path, null, "");
      // Without credentials a served route answers 200 (public) or 401; never "no route".
      assertThat(r.status()).as(op.toString()).isIn(200, 401);
    }
  }
}

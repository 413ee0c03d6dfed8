package dev.warbler.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.core.Ids;
import dev.warbler.core.PageCursor;
import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for the REST API's input: every request body through {@link ApiSupport#parse} (the
 * one path all bodies take) and the checks its handler makes before calling the core, and the query
 * and path parameters (limits, cursors, seq, month, conversation ids). Inputs replayed by every
 * build: {@code src/test/resources/dev/warbler/api/RestBodiesFuzzTestInputs/<method>/}.
 *
 * <p>The contract: a value, or a {@link WarblerException} BAD_REQUEST (not JSON, wrong shape) or
 * INVALID_ARGUMENT (a bad value), which the API answers as problem+json 400; anything else would be
 * a 500. An accepted body holds no {@code null} inside a list or map: the core's parameters are
 * null-free.
 */
class RestBodiesFuzzTest {
  private static final ObjectMapper JSON = ApiSupport.mapper();
  private static final long NOW = 1_780_000_000_000L;

  /** Each request body the API takes, with what its handler checks before the core. */
  enum Body {
    CREATE_APP(b -> ApiSupport.required("id", parse(b, Dtos.CreateApp.class).id())),
    CREATE_USER(b -> ApiSupport.required("id", parse(b, Dtos.CreateUser.class).id())),
    UPDATE_USER(b -> UserRoutes.profileChanges(JSON, parse(b, Dtos.UpdateUser.class))),
    MARK_READ(b -> {
      Dtos.MarkRead body = parse(b, Dtos.MarkRead.class);
      Ids.require("user", ApiSupport.required("user", body.user()));
      assertThat(SignalRoutes.readSeq(body)).isNotNegative();
    }),
    ISSUE_TOKEN(b ->
        assertThat(UserRoutes.ttlSeconds(parse(b, Dtos.IssueToken.class), 2_592_000))
            .isBetween(1L, 2_592_000L)),
    CREATE_GROUP(b -> {
      Dtos.CreateGroup body = parse(b, Dtos.CreateGroup.class);
      ApiSupport.required("owner", body.owner());
      ApiSupport.required("id", body.id());
      GroupRoutes.profile(JSON, body);
    }),
    USER_LIST(b -> parse(b, Dtos.UserList.class)),
    SEND_MESSAGE(b -> {
      Dtos.SendMessage body = parse(b, Dtos.SendMessage.class);
      MessageRoutes.target(body);
      MessageRoutes.type(body.type(), MessageType.TEXT);
      ApiSupport.payload(JSON, body.payload());
    }),
    PUT_TEMPLATE(b -> ApiSupport.required("text", parse(b, Dtos.PutTemplate.class).text())),
    RECALL_MESSAGE(b -> parse(b, Dtos.RecallMessage.class)),
    EDIT_MESSAGE(b -> {
      Dtos.EditMessage body = parse(b, Dtos.EditMessage.class);
      ApiSupport.required("by", body.by());
      ApiSupport.payload(JSON, body.payload());
    }),
    CREATE_CHATROOM(b -> {
      Dtos.CreateChatroom body = parse(b, Dtos.CreateChatroom.class);
      ApiSupport.required("id", body.id());
      if (body.maxMembers() != null) {
        ApiSupport.positive("maxMembers", body.maxMembers());
      }
    }),
    SEND_CHATROOM_MESSAGE(b -> {
      Dtos.SendChatroomMessage body = parse(b, Dtos.SendChatroomMessage.class);
      MessageRoutes.type(body.type(), MessageType.TEXT);
      ApiSupport.payload(JSON, body.payload());
    }),
    UPDATE_CONVERSATION(
        b -> ConversationRoutes.conversationChange(JSON, parse(b, Dtos.UpdateConversation.class))),
    USER_REF(b -> ApiSupport.required("user", parse(b, Dtos.UserRef.class).user())),
    UPDATE_GROUP(b -> GroupRoutes.update(JSON, parse(b, JsonNode.class))),
    SET_ROLE(b -> GroupRoutes.role(parse(b, Dtos.RoleBody.class))),
    MUTE_MEMBER(b -> GroupRoutes.muteUntil(parse(b, Dtos.MuteBody.class), NOW)),
    SET_ENCRYPTION(b -> parse(b, Dtos.SetEncryption.class)),
    BAN_USER(b -> parse(b, AccessRoutes.BanUser.class)),
    REVOKE_TOKEN(
        b -> ApiSupport.required("token", parse(b, AccessRoutes.RevokeToken.class).token())),
    MODERATION_WORDS(b -> ModerationRoutes.inputs(parse(b, Dtos.WordsBody.class))),
    MODERATION_WORD_KEYS(b -> ModerationRoutes.keys(parse(b, Dtos.WordKeysBody.class))),
    MODERATION_SETTINGS(b ->
        ModerationRoutes.settings(
            parse(b, Dtos.ModerationSettingsBody.class),
            dev.warbler.core.moderation.ModerationSettings.DEFAULTS));

    private final Consumer<byte[]> check;

    Body(Consumer<byte[]> check) {
      this.check = check;
    }
  }

  /** A seed is one byte naming the {@link Body} (its ordinal), then the JSON body. */
  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void requestBodies(byte[] data) {
    if (data.length == 0) {
      return;
    }
    Body kind = Body.values()[(data[0] & 0xff) % Body.values().length];
    byte[] body = Arrays.copyOfRange(data, 1, data.length);
    try {
      kind.check.accept(body);
    } catch (WarblerException e) {
      assertThat(e.code()).isIn(ErrorCode.BAD_REQUEST, ErrorCode.INVALID_ARGUMENT);
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  /** A seed is one byte naming the parameter (0-6, see below), then its value in UTF-8. */
  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void queryParameters(byte[] data) {
    if (data.length == 0) {
      return;
    }
    String value = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
    try {
      switch ((data[0] & 0xff) % 7) {
        case 0 -> assertThat(ApiSupport.longParam("before", value, 0)).isNotNegative();
        case 1 -> assertThat(ApiSupport.limitParam(value, 50)).isNotNegative();
        case 2 ->
            assertThat(ApiSupport.listParam("users", value))
                .isNotEmpty()
                .allSatisfy(u -> assertThat(u).isNotBlank().isEqualTo(u.trim()));
        case 3 -> assertThat(MessageRoutes.seqParam(value)).isPositive();
        case 4 -> assertThat(UsageRoutes.monthParam(value, NOW)).isInstanceOf(YearMonth.class);
        case 5 -> assertThat(ConversationId.parse(value).toString()).isEqualTo(value);
        default -> {
          String after = PageCursor.decode(value);
          if (!after.isEmpty()) {
            assertThat(Ids.valid(after)).isTrue();
            assertThat(PageCursor.decode(PageCursor.after(after))).isEqualTo(after);
          }
        }
      }
    } catch (WarblerException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }
  }

  private static <T> T parse(byte[] body, Class<T> type) {
    T value = ApiSupport.parse(JSON, body, type);
    assertThat(value).isNotNull();
    if (value instanceof Record r) {
      for (var component : r.getClass().getRecordComponents()) {
        try {
          assertNoNullInside(component.getName(), component.getAccessor().invoke(r));
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
    }
    return value;
  }

  private static void assertNoNullInside(String field, Object value) {
    if (value instanceof Collection<?> c) {
      assertThat(c).as(field).doesNotContainNull();
    } else if (value instanceof Map<?, ?> m) {
      assertThat(m.values()).as(field).doesNotContainNull();
    }
  }
}

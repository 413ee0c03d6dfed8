package dev.warbler.core.groups;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.warbler.core.messaging.Limits;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GroupEventsTest {

  private static Struct parse(String json) throws Exception {
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(json, b);
    return b.build();
  }

  @Test
  void eventPayloadsAreValidJsonEvenForNamesWithQuotesAndControlCharacters() throws Exception {
    String name = "The \"best\" group\n\\ \u0001 \u2028 ✓";
    GroupEvents.Event e = GroupEvents.created("alice", name, List.of("alice", "bob"));

    Struct payload = parse(e.payload());

    assertThat(payload.getFieldsOrThrow("event").getStringValue()).isEqualTo("group_created");
    assertThat(payload.getFieldsOrThrow("name").getStringValue()).isEqualTo(name);
    assertThat(payload.getFieldsOrThrow("by").getStringValue()).isEqualTo("alice");
  }

  @Test
  void aBulkChangeListsAtMostOneHundredUsersAndSaysHowManyThereWere() throws Exception {
    List<String> many = IntStream.range(0, 250).mapToObj(i -> "u" + i).toList();

    GroupEvents.Event e = GroupEvents.joined("", many, "invite");
    Struct payload = parse(e.payload());

    assertThat(payload.getFieldsOrThrow("users").getListValue().getValuesCount()).isEqualTo(100);
    assertThat(payload.getFieldsOrThrow("count").getNumberValue()).isEqualTo(250);
    assertThat(e.text()).isEqualTo("the app added u0, u1, u2, u3, u4 and 245 more");
  }

  @Test
  void aProfileUpdateCarriesTheCustomObjectAsJson() throws Exception {
    GroupEvents.Event e =
        GroupEvents.profileUpdated(
            "bob", GroupUpdate.builder().custom("{\"room\":\"B12\"}").description("d").build());

    Struct payload = parse(e.payload());

    assertThat(
            payload
                .getFieldsOrThrow("custom")
                .getStructValue()
                .getFieldsOrThrow("room")
                .getStringValue())
        .isEqualTo("B12");
    assertThat(e.text()).isEqualTo("bob updated the group's description, custom");
  }

  @Test
  void theMemberLimitMayNotBeConfiguredAboveOneHundredThousand() {
    assertThat(new Limits(1, 100_000, 1, 1).maxGroupMembers()).isEqualTo(100_000);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Limits(1, 100_001, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max group members must be at most 100000 but was 100001");
  }
}

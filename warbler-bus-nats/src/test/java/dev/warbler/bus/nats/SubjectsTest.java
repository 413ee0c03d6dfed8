package dev.warbler.bus.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.spi.Topic;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubjectsTest {
  private static final List<String> NASTY =
      List.of(
          "",
          "=",
          "a.b",
          "*",
          ">",
          "a b",
          "tab\there",
          "line\nbreak",
          "%41",
          "=41",
          "ünï 中文 👋",
          "plain-id_09",
          "a.*.>");

  @Test
  void plainIdsStayReadable() {
    assertThat(Subjects.token("amy-01_x")).isEqualTo("amy-01_x");
    assertThat(Subjects.subject("warbler", Topic.user("acme", "amy")))
        .isEqualTo("warbler.user.acme.amy");
    assertThat(Subjects.subject("warbler", Topic.nodes())).isEqualTo("warbler.nodes");
    assertThat(Subjects.subject("w.t1", Topic.work("webhooks"))).isEqualTo("w.t1.work.webhooks");
  }

  @Test
  void everyTokenIsAValidSubjectTokenAndKeyPartAndDecodesBack() {
    Set<String> tokens = new HashSet<>();
    for (String id : NASTY) {
      String token = Subjects.token(id);

      assertThat(token).isNotEmpty().matches("[A-Za-z0-9_=-]+");
      assertThat(Subjects.untoken(token)).isEqualTo(id);
      tokens.add(token);
    }
    assertThat(tokens).hasSize(NASTY.size());
  }

  @Test
  void idsWithDotsWildcardsAndSpacesMakeOneTokenEach() {
    String subject = Subjects.subject("warbler", Topic.group("a.b c", "x.*.>"));

    assertThat(subject).isEqualTo("warbler.group.a=2Eb=20c.x=2E=2A=2E=3E");
    assertThat(subject.split("\\.")).hasSize(4);
    assertThat(Subjects.presenceKey("a.b", "")).isEqualTo("a=2Eb.=");
  }

  @Test
  void topicsThatDifferGetDifferentSubjects() {
    Set<String> subjects = new HashSet<>();
    for (String app : NASTY) {
      for (String id : NASTY) {
        subjects.add(Subjects.subject("p", Topic.user(app, id)));
        subjects.add(Subjects.subject("p", Topic.group(app, id)));
        subjects.add(Subjects.subject("p", Topic.room(app, id)));
      }
      subjects.add(Subjects.subject("p", Topic.work(app)));
    }
    subjects.add(Subjects.subject("p", Topic.nodes()));

    assertThat(subjects).hasSize(NASTY.size() * NASTY.size() * 3 + NASTY.size() + 1);
  }

  @Test
  void malformedTokensAndPrefixesAreRefused() {
    assertThatThrownBy(() -> Subjects.untoken("a=4"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a subject token");
    assertThatThrownBy(() -> Subjects.untoken("a.b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Subjects.requirePrefix("warbler.>"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("subject prefix");
    assertThatThrownBy(() -> Subjects.requirePrefix(""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

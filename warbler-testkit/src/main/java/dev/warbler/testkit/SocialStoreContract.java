package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.chatrooms.Chatroom;
import dev.warbler.core.contacts.ContactEntry;
import dev.warbler.core.contacts.FriendRequest;
import dev.warbler.core.directory.User;
import dev.warbler.core.groups.Group;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationSettings;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.core.spi.ChatroomStore;
import dev.warbler.core.spi.ContactCounts;
import dev.warbler.core.spi.ContactStore;
import dev.warbler.core.spi.ConversationSettingsStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.core.spi.Stores;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ContactStore}, {@link ChatroomStore} and {@link
 * ConversationSettingsStore} promises, written once and run against every implementation. A store
 * kind's test extends this class and says how to open its bundle over a directory ({@link
 * #openStores}, see {@link BundleContract}).
 */
public abstract class SocialStoreContract<S extends Stores> extends BundleContract<S> {
  protected static final String APP = "acme";
  protected static final String OTHER_APP = "globex";
  private static final long T0 = 1_767_225_600_000L;
  private static final ConversationId ALICE_BOB = ConversationId.direct("alice", "bob");

  private final AtomicLong ids = new AtomicLong();

  private ContactStore contacts() {
    return stores().contacts();
  }

  @Test
  void deletingAUserForgetsItsFriendsBlocksAndRequests() {
    stores().directory().createUser(new User(APP, "alice", "Alice", T0));
    stores().directory().createUser(new User(APP, "bob", "Bob", T0));
    contacts().addFriends(APP, "alice", "bob", T0);
    contacts().block(APP, "bob", "alice", T0);
    contacts().putFriendRequest(new FriendRequest(APP, "alice", "carol", "", T0));

    assertThat(stores().directory().deleteUser(APP, "alice", T0)).isTrue();

    assertThat(contacts().counts(APP, "alice")).isEqualTo(new ContactCounts(0, 0, 0));
    assertThat(contacts().blocks(APP, "bob", "alice")).isFalse();
    assertThat(contacts().friendRequest(APP, "alice", "carol")).isEmpty();
  }

  @Test
  void deletingAUserErasesItsConversationSettingsAndListButNotThoseOfItsPeer() {
    stores().directory().createUser(new User(APP, "alice", "Alice", T0));
    stores().directory().createUser(new User(APP, "bob", "Bob", T0));
    append(ALICE_BOB, "alice");
    for (String user : List.of("alice", "bob")) {
      stores()
          .conversationSettings()
          .updateSettings(
              APP,
              user,
              ALICE_BOB,
              ConversationSettings.Change.none().withPinned(true).withCustom("{\"x\":1}"));
    }

    assertThat(stores().directory().deleteUser(APP, "alice", T0)).isTrue();

    assertThat(stores().conversationSettings().conversations(APP, "alice", "", 10)).isEmpty();
    assertThat(
            stores()
                .conversationSettings()
                .updateSettings(
                    APP, "alice", ALICE_BOB, ConversationSettings.Change.none().withMuted(true)))
        .isEmpty();
    assertThat(stores().conversationSettings().conversations(APP, "bob", "", 10))
        .singleElement()
        .extracting(ConversationState::settings)
        .isEqualTo(new ConversationSettings(true, false, false, "{\"x\":1}"));
  }

  // ---- friend requests ---------------------------------------------------------------------

  @Test
  void aFriendRequestIsFoundByItsPairAndListedForBothUsers() {
    contacts().putFriendRequest(new FriendRequest(APP, "alice", "bob", "hi", T0));

    assertThat(contacts().friendRequest(APP, "alice", "bob"))
        .contains(new FriendRequest(APP, "alice", "bob", "hi", T0));
    assertThat(contacts().friendRequest(APP, "bob", "alice")).isEmpty();
    assertThat(contacts().friendRequests(APP, "bob", false, "", 10))
        .extracting(FriendRequest::from)
        .containsExactly("alice");
    assertThat(contacts().friendRequests(APP, "alice", true, "", 10))
        .extracting(FriendRequest::to)
        .containsExactly("bob");
    assertThat(contacts().friendRequests(APP, "alice", false, "", 10)).isEmpty();
    assertThat(contacts().counts(APP, "alice")).isEqualTo(new ContactCounts(0, 0, 1));
  }

  @Test
  void aRequestSentAgainReplacesTheNoteInsteadOfAddingASecond() {
    contacts().putFriendRequest(new FriendRequest(APP, "alice", "bob", "hi", T0));
    contacts().putFriendRequest(new FriendRequest(APP, "alice", "bob", "hello?", T0 + 1));

    assertThat(contacts().friendRequests(APP, "bob", false, "", 10))
        .containsExactly(new FriendRequest(APP, "alice", "bob", "hello?", T0 + 1));
  }

  @Test
  void deletingARequestReportsWhetherThereWasOne() {
    contacts().putFriendRequest(new FriendRequest(APP, "alice", "bob", "", T0));

    assertThat(contacts().deleteFriendRequest(APP, "alice", "bob")).isTrue();
    assertThat(contacts().deleteFriendRequest(APP, "alice", "bob")).isFalse();
    assertThat(contacts().friendRequest(APP, "alice", "bob")).isEmpty();
  }

  @Test
  void requestListsArePagedByTheOtherUsersIdAfterTheCursor() {
    for (String from : List.of("dan", "amy", "cat", "bea")) {
      contacts().putFriendRequest(new FriendRequest(APP, from, "zoe", "", T0));
    }

    assertThat(contacts().friendRequests(APP, "zoe", false, "", 2))
        .extracting(FriendRequest::from)
        .containsExactly("amy", "bea");
    assertThat(contacts().friendRequests(APP, "zoe", false, "bea", 2))
        .extracting(FriendRequest::from)
        .containsExactly("cat", "dan");
    assertThat(contacts().friendRequests(APP, "zoe", false, "dan", 2)).isEmpty();
  }

  // ---- friends -----------------------------------------------------------------------------

  @Test
  void friendshipIsSymmetricAndEndsThePendingRequestsBetweenThePair() {
    contacts().putFriendRequest(new FriendRequest(APP, "alice", "bob", "", T0));
    contacts().putFriendRequest(new FriendRequest(APP, "bob", "alice", "", T0));

    assertThat(contacts().addFriends(APP, "alice", "bob", T0 + 5)).isTrue();

    assertThat(contacts().areFriends(APP, "alice", "bob")).isTrue();
    assertThat(contacts().areFriends(APP, "bob", "alice")).isTrue();
    assertThat(contacts().friends(APP, "bob", "", 10))
        .containsExactly(new ContactEntry("alice", T0 + 5));
    assertThat(contacts().friendRequest(APP, "alice", "bob")).isEmpty();
    assertThat(contacts().friendRequest(APP, "bob", "alice")).isEmpty();
    assertThat(contacts().addFriends(APP, "bob", "alice", T0 + 9)).isFalse();
    assertThat(contacts().friends(APP, "alice", "", 10))
        .containsExactly(new ContactEntry("bob", T0 + 5));
  }

  @Test
  void removingAFriendEndsItForBothAndReportsWhetherThereWasOne() {
    contacts().addFriends(APP, "alice", "bob", T0);

    assertThat(contacts().removeFriends(APP, "bob", "alice")).isTrue();
    assertThat(contacts().areFriends(APP, "alice", "bob")).isFalse();
    assertThat(contacts().friends(APP, "alice", "", 10)).isEmpty();
    assertThat(contacts().removeFriends(APP, "bob", "alice")).isFalse();
  }

  @Test
  void friendListsArePagedAndCounted() {
    for (String f : List.of("dan", "amy", "cat")) {
      contacts().addFriends(APP, "zoe", f, T0);
    }

    assertThat(contacts().friends(APP, "zoe", "", 2))
        .extracting(ContactEntry::user)
        .containsExactly("amy", "cat");
    assertThat(contacts().friends(APP, "zoe", "cat", 2))
        .extracting(ContactEntry::user)
        .containsExactly("dan");
    assertThat(contacts().counts(APP, "zoe").friends()).isEqualTo(3);
    assertThat(contacts().counts(APP, "amy").friends()).isEqualTo(1);
  }

  // ---- blocks ------------------------------------------------------------------------------

  @Test
  void aBlockIsDirectedAndDropsThePendingRequestOfTheBlockedUser() {
    contacts().putFriendRequest(new FriendRequest(APP, "mallory", "alice", "", T0));
    contacts().putFriendRequest(new FriendRequest(APP, "alice", "mallory", "", T0));

    assertThat(contacts().block(APP, "alice", "mallory", T0 + 1)).isTrue();

    assertThat(contacts().blocks(APP, "alice", "mallory")).isTrue();
    assertThat(contacts().blocks(APP, "mallory", "alice")).isFalse();
    assertThat(contacts().friendRequest(APP, "mallory", "alice")).isEmpty();
    assertThat(contacts().friendRequest(APP, "alice", "mallory")).isPresent();
    assertThat(contacts().blocked(APP, "alice", "", 10))
        .containsExactly(new ContactEntry("mallory", T0 + 1));
    assertThat(contacts().block(APP, "alice", "mallory", T0 + 2)).isFalse();
    assertThat(contacts().counts(APP, "alice").blocked()).isEqualTo(1);
  }

  @Test
  void unblockingLiftsTheBlockAndReportsWhetherThereWasOne() {
    contacts().block(APP, "alice", "mallory", T0);

    assertThat(contacts().unblock(APP, "alice", "mallory")).isTrue();
    assertThat(contacts().blocks(APP, "alice", "mallory")).isFalse();
    assertThat(contacts().blocked(APP, "alice", "", 10)).isEmpty();
    assertThat(contacts().unblock(APP, "alice", "mallory")).isFalse();
  }

  @Test
  void contactsOfOneAppAreInvisibleInAnother() {
    contacts().addFriends(APP, "alice", "bob", T0);
    contacts().block(APP, "alice", "carol", T0);
    contacts().putFriendRequest(new FriendRequest(APP, "dave", "alice", "", T0));

    assertThat(contacts().areFriends(OTHER_APP, "alice", "bob")).isFalse();
    assertThat(contacts().blocks(OTHER_APP, "alice", "carol")).isFalse();
    assertThat(contacts().friendRequest(OTHER_APP, "dave", "alice")).isEmpty();
    assertThat(contacts().counts(OTHER_APP, "alice")).isEqualTo(new ContactCounts(0, 0, 0));
  }

  @Test
  void contactsSurviveARestart() throws Exception {
    contacts().addFriends(APP, "alice", "bob", T0);
    contacts().block(APP, "alice", "carol", T0);
    contacts().putFriendRequest(new FriendRequest(APP, "dave", "alice", "hey", T0));

    reopen();

    assertThat(contacts().areFriends(APP, "bob", "alice")).isTrue();
    assertThat(contacts().blocks(APP, "alice", "carol")).isTrue();
    assertThat(contacts().friendRequest(APP, "dave", "alice")).isPresent();
  }

  // ---- chatroom definitions ----------------------------------------------------------------

  @Test
  void aChatroomIsCreatedOnceFoundCountedPerAppAndDeleted() throws Exception {
    Chatroom room = new Chatroom(APP, "live", "Live class", 500, T0);

    assertThat(stores().chatrooms().createChatroom(room)).isTrue();
    assertThat(stores().chatrooms().createChatroom(new Chatroom(APP, "live", "again", 0, T0)))
        .isFalse();
    assertThat(stores().chatrooms().createChatroom(new Chatroom(OTHER_APP, "live", "x", 0, T0)))
        .isTrue();
    assertThat(reopen().chatrooms().chatroom(APP, "live")).contains(room);
    assertThat(stores().chatrooms().chatroomCount(APP)).isEqualTo(1);

    assertThat(stores().chatrooms().deleteChatroom(APP, "live")).isTrue();
    assertThat(stores().chatrooms().deleteChatroom(APP, "live")).isFalse();
    assertThat(stores().chatrooms().chatroom(APP, "live")).isEmpty();
    assertThat(stores().chatrooms().chatroom(OTHER_APP, "live")).isPresent();
  }

  // ---- conversation settings ---------------------------------------------------------------

  @Test
  void anUpdateSetsOnlyTheGivenFieldsForThatUserAndShowsInEveryState() {
    append(ALICE_BOB, "alice");

    ConversationState updated =
        stores()
            .conversationSettings()
            .updateSettings(
                APP,
                "alice",
                ALICE_BOB,
                ConversationSettings.Change.none().withPinned(true).withCustom("{\"c\":1}"))
            .orElseThrow();
    ConversationState again =
        stores()
            .conversationSettings()
            .updateSettings(
                APP, "alice", ALICE_BOB, ConversationSettings.Change.none().withMuted(true))
            .orElseThrow();

    assertThat(updated.settings())
        .isEqualTo(new ConversationSettings(true, false, false, "{\"c\":1}"));
    assertThat(again.settings())
        .isEqualTo(new ConversationSettings(true, true, false, "{\"c\":1}"));
    assertThat(again.lastSeq()).isEqualTo(1);
    assertThat(again.lastMessage()).isPresent();
    assertThat(stores().messages().state(APP, "alice", ALICE_BOB).orElseThrow().settings())
        .isEqualTo(again.settings());
    assertThat(stores().messages().state(APP, "bob", ALICE_BOB).orElseThrow().settings())
        .isEqualTo(ConversationSettings.NONE);
    assertThat(
            stores()
                .conversationSettings()
                .updateSettings(
                    APP, "alice", ALICE_BOB, ConversationSettings.Change.none().withCustom(""))
                .orElseThrow()
                .settings()
                .custom())
        .isEmpty();
  }

  @Test
  void anUpdateMovesTheConversationInTheUsersSyncOnly() {
    append(ALICE_BOB, "alice");
    long aliceCursor = stores().messages().changedSince(APP, "alice", 0, 100).cursor();
    long bobCursor = stores().messages().changedSince(APP, "bob", 0, 100).cursor();

    stores()
        .conversationSettings()
        .updateSettings(
            APP, "alice", ALICE_BOB, ConversationSettings.Change.none().withArchived(true));

    SyncPage alice = stores().messages().changedSince(APP, "alice", aliceCursor, 100);
    assertThat(alice.conversations()).hasSize(1);
    assertThat(alice.conversations().get(0).settings().archived()).isTrue();
    assertThat(stores().messages().changedSince(APP, "bob", bobCursor, 100).conversations())
        .isEmpty();
  }

  @Test
  void anUpdateByANonMemberChangesNothing() {
    append(ALICE_BOB, "alice");

    assertThat(
            stores()
                .conversationSettings()
                .updateSettings(
                    APP, "carol", ALICE_BOB, ConversationSettings.Change.none().withPinned(true)))
        .isEmpty();
    assertThat(
            stores()
                .conversationSettings()
                .updateSettings(
                    APP,
                    "alice",
                    ConversationId.direct("alice", "zed"),
                    ConversationSettings.Change.none().withPinned(true)))
        .isEmpty();
  }

  @Test
  void aUsersConversationsArePagedByIdWithLastMessageAndSettings() throws Exception {
    GroupFixtures.create(
        stores().groups(), new Group(APP, "team", "Team", "alice", T0), List.of("alice"));
    append(ALICE_BOB, "alice");
    append(ConversationId.direct("alice", "carol"), "carol");
    append(ConversationId.direct("bob", "carol"), "bob");
    stores()
        .conversationSettings()
        .updateSettings(
            APP,
            "alice",
            ConversationId.group("team"),
            ConversationSettings.Change.none().withPinned(true));

    List<ConversationState> first =
        reopen().conversationSettings().conversations(APP, "alice", "", 2);
    List<ConversationState> rest =
        stores()
            .conversationSettings()
            .conversations(APP, "alice", first.get(1).conversation().toString(), 2);

    assertThat(first)
        .extracting(s -> s.conversation().toString())
        .containsExactly("d:alice:bob", "d:alice:carol");
    assertThat(first.get(1).lastMessage().orElseThrow().sender()).isEqualTo("carol");
    assertThat(first.get(1).unread()).isEqualTo(1);
    assertThat(rest).extracting(s -> s.conversation().toString()).containsExactly("g:team");
    assertThat(rest.get(0).settings().pinned()).isTrue();
    assertThat(rest.get(0).lastMessage()).isEmpty();
  }

  private void append(ConversationId conversation, String sender) {
    try {
      stores()
          .messages()
          .append(
              new NewMessage(
                  APP,
                  conversation,
                  "m" + ids.incrementAndGet(),
                  "c" + ids.incrementAndGet(),
                  sender,
                  MessageType.TEXT,
                  "hi",
                  "",
                  T0))
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("append failed", e);
    }
  }
}

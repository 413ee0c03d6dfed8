package dev.warbler.sdk;

import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.BlockUser;
import dev.warbler.protocol.v1.BlockedPage;
import dev.warbler.protocol.v1.ChatroomJoined;
import dev.warbler.protocol.v1.ChatroomLeft;
import dev.warbler.protocol.v1.ChatroomMessage;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Contact;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.CreateGroup;
import dev.warbler.protocol.v1.DeleteForMe;
import dev.warbler.protocol.v1.DeleteGroup;
import dev.warbler.protocol.v1.DeletedForMe;
import dev.warbler.protocol.v1.Delivered;
import dev.warbler.protocol.v1.Edit;
import dev.warbler.protocol.v1.Forward;
import dev.warbler.protocol.v1.FriendPage;
import dev.warbler.protocol.v1.FriendRequestPage;
import dev.warbler.protocol.v1.GetGroup;
import dev.warbler.protocol.v1.GetReceipts;
import dev.warbler.protocol.v1.GroupAck;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.GroupInfo;
import dev.warbler.protocol.v1.GroupMembers;
import dev.warbler.protocol.v1.GroupRole;
import dev.warbler.protocol.v1.GroupUsers;
import dev.warbler.protocol.v1.History;
import dev.warbler.protocol.v1.JoinChatroom;
import dev.warbler.protocol.v1.JoinRequests;
import dev.warbler.protocol.v1.LeaveChatroom;
import dev.warbler.protocol.v1.LeaveGroup;
import dev.warbler.protocol.v1.ListBlocked;
import dev.warbler.protocol.v1.ListFriendRequests;
import dev.warbler.protocol.v1.ListFriends;
import dev.warbler.protocol.v1.ListGroupMembers;
import dev.warbler.protocol.v1.ListJoinRequests;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.MemberReceipt;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessagePage;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.MuteGroup;
import dev.warbler.protocol.v1.MuteGroupMember;
import dev.warbler.protocol.v1.Ping;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.PresenceList;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.React;
import dev.warbler.protocol.v1.ReadState;
import dev.warbler.protocol.v1.Recall;
import dev.warbler.protocol.v1.Receipts;
import dev.warbler.protocol.v1.RemoveFriend;
import dev.warbler.protocol.v1.RequestJoinGroup;
import dev.warbler.protocol.v1.RespondFriendRequest;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.SendFriendRequest;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.SetMemberRole;
import dev.warbler.protocol.v1.SubscribePresence;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.protocol.v1.TransferGroupOwnership;
import dev.warbler.protocol.v1.Typing;
import dev.warbler.protocol.v1.UnblockUser;
import dev.warbler.protocol.v1.UnmuteGroupMember;
import dev.warbler.protocol.v1.UpdateConversation;
import dev.warbler.protocol.v1.UpdateGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A Warbler user's connection to the server: connects and authenticates, keeps the connection up
 * (heartbeats, reconnect with jittered exponential backoff), delivers every message of the user's
 * conversations to a {@link MessageListener} exactly once and in order, and sends messages
 * idempotently.
 *
 * <h2>Delivery</h2>
 *
 * The client remembers, per conversation, the highest seq it delivered, and the server's sync
 * cursor. After every reconnect it syncs from the cursor and pulls whatever it has not delivered; a
 * live message that arrives after a gap makes it pull the gap first. A live message it already
 * delivered is dropped. Positions live in memory: a new client starts afresh ({@link
 * Builder#startFromNow}).
 *
 * <h2>Receipts, typing and presence</h2>
 *
 * After the listener has seen messages from others, the client tells the server, coalesced per
 * conversation ({@link Builder#deliveryAcks}), so their senders get delivery receipts. Read
 * receipts, delivery receipts, typing and presence events reach the listener as they arrive (live
 * only). Presence subscriptions ({@link #subscribePresence}) are renewed after every reconnect, and
 * the renewed states reach {@link MessageListener#onPresence}, so nothing missed stays unknown.
 *
 * <h2>Chatrooms</h2>
 *
 * Chatrooms are live: {@link #joinChatroom} returns the room's recent messages and from then on
 * every message in the room goes to {@link MessageListener#onChatroomMessage}. The client remembers
 * the rooms it is in; after a reconnect it joins them again and delivers, from the room's recent
 * messages, those it missed (older ones are gone: chatroom messages are not stored).
 *
 * <h2>Sending</h2>
 *
 * Every send carries a client message id. If the connection drops before the ack, or no answer
 * comes within the request timeout, the client sends it again with the same id, so the server
 * stores it once; it gives up after the send timeout or on an error that is not retryable. At most
 * {@code maxInFlightSends} (32) sends are on the wire unanswered; the others wait in line, in
 * order. A RATE_LIMITED answer puts its send back at the head of the line and holds every send
 * until its {@code retry_after_ms} has passed (docs/protocol.md 3.9.1).
 *
 * <h2>Message lifecycle</h2>
 *
 * {@link #recall}, {@link #edit}, {@link #react} and {@link #unreact} answer with the ack of the
 * {@code CHANGE} entry the server appended to the conversation (or, with {@code duplicate} set, of
 * the target when nothing changed). CHANGE entries reach the listener like any message, in seq
 * order, on every device, live or after a reconnect: apply them with {@link MessageChanges}. {@link
 * #deleteForMe} only concerns this user: its online devices hear {@link
 * MessageListener#onDeletedForMe}, and pulls return a tombstone for that seq. {@link #forward}
 * sends a copy of a message like a send (idempotent on its client message id). Replies and mentions
 * are options of {@link #sendTo}.
 *
 * <h2>Threads</h2>
 *
 * All methods are thread-safe and non-blocking. Listener callbacks run on one dispatcher thread,
 * one at a time, in delivery order. Returned futures complete on other threads (never the
 * dispatcher or the socket reader), so it is safe, if wasteful, to block on them anywhere except
 * inside a listener callback: the dispatcher is needed to reconnect.
 *
 * <h2>Failures</h2>
 *
 * Futures fail with {@link WarblerClientException} when the server answers with an error, {@link
 * WarblerConnectionException} when there is no usable connection (or the client is closed), and
 * {@link TimeoutException} when no answer came in time.
 *
 * <p>The JDK's HTTP client completes its asynchronous operations (the WebSocket handshake among
 * them) on the common {@link java.util.concurrent.ForkJoinPool}; an application that keeps all of
 * that pool's workers blocked stalls connects until the request timeout.
 */
public final class WarblerClient implements AutoCloseable {
  private static final SdkLog log = SdkLog.of(WarblerClient.class);

  /** Where a client is in its life. */
  public enum State {
    /** {@link #connect()} was not called yet. */
    NEW,
    /** {@link #connect()} is in progress. */
    CONNECTING,
    /** Authenticated and caught up; live messages flow. */
    CONNECTED,
    /** The connection was lost; the client is waiting to reconnect, or reconnecting. */
    RECONNECTING,
    /**
     * Not connected and not trying: the first connect failed or the server said not to reconnect.
     * {@link #connect()} may be called again.
     */
    STOPPED,
    /** {@link #close()} was called. Final. */
    CLOSED
  }

  private final Optional<URI> webSocketUri;

  /** One per server of {@link Builder#servers}; the dispatcher connects through one at a time. */
  private final List<Rest> servers;

  private int serverIndex; // dispatcher thread
  private final Supplier<String> tokens;
  private final Encoding encoding;
  private final MessageListener listener;
  private final Backoff backoff;
  private final Duration requestTimeout;
  private final Duration sendTimeout;
  private final InstantSource clock;
  private final boolean startFromNow;
  private final String device;
  private final String app;
  private final int syncPageSize;
  private final int pullPageSize;
  private final int maxPendingSends;
  private final int maxInFlightSends;
  private final int maxQueuedMessages;
  private final boolean deliveryAcks;
  private final Duration deliveryAckDelay;
  private final RandomGenerator random;
  private final Transport transport;
  private final Optional<HttpClient> ownedHttp;

  private final ExecutorService dispatcher;
  private final ScheduledExecutorService timers;
  private final Executor completions;

  // Dispatcher-confined.
  private final Map<String, Long> delivered = new HashMap<>();
  private boolean ackFlushScheduled;
  private final Map<String, RoomPosition> rooms = new HashMap<>();
  private long cursor;
  private boolean caughtUpOnce;
  private long startBoundaryMillis = Long.MAX_VALUE;
  private int attempt;

  /** A token the server refused as expired or revoked, and whether it was revoked. */
  private @Nullable String expiredToken;

  private boolean expiredTokenRevoked;
  private volatile @Nullable CompletableFuture<Void> connecting;
  private @Nullable ScheduledFuture<?> pinger;

  // Shared.
  private volatile State state = State.NEW;
  private volatile @Nullable Connection current;
  private volatile @Nullable AuthOk session;
  private final Map<String, PendingSend> outbox = new ConcurrentHashMap<>();

  // The send window: sends in line, and how many are unanswered on the wire (see drainSends).
  private final Object sendGate = new Object();
  private final ArrayDeque<PendingSend> waitingSends = new ArrayDeque<>(); // guarded by sendGate
  private int sendsInFlight; // guarded by sendGate
  private long sendsNotBeforeMillis; // guarded by sendGate
  private boolean drainScheduled; // guarded by sendGate
  private final AtomicInteger queuedMessages = new AtomicInteger();
  private volatile List<String> presenceUsers = List.of();
  // Raised on the dispatcher; sent by it, or by close() as a last flush.
  private final Map<String, Long> unacked = new ConcurrentHashMap<>();

  private WarblerClient(Builder b) {
    this.webSocketUri = Optional.ofNullable(b.webSocketUri);
    this.tokens = Objects.requireNonNull(b.tokens, "a token supplier is required");
    this.encoding = b.encoding;
    this.listener = b.listener;
    this.backoff = b.backoff;
    this.requestTimeout = b.requestTimeout;
    this.sendTimeout = b.sendTimeout;
    this.clock = b.clock;
    this.startFromNow = b.startFromNow;
    this.device = b.device;
    this.app = b.app;
    this.syncPageSize = b.syncPageSize;
    this.pullPageSize = b.pullPageSize;
    this.maxPendingSends = b.maxPendingSends;
    this.maxInFlightSends = b.maxInFlightSends;
    this.maxQueuedMessages = b.maxQueuedMessages;
    this.random = b.random;
    this.deliveryAcks = b.deliveryAcks;
    this.deliveryAckDelay = b.deliveryAckDelay;
    HttpClient http = b.httpClient;
    if (http == null) {
      HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(requestTimeout);
      if (b.sslContext != null) {
        hb.sslContext(b.sslContext);
      }
      http = hb.build();
      this.ownedHttp = Optional.of(http);
    } else {
      this.ownedHttp = Optional.empty();
    }
    HttpClient shared = http;
    this.servers =
        b.servers.stream()
            .map(uri -> new Rest(shared, uri, requestTimeout, Optional.empty()))
            .toList();
    this.transport = b.transport != null ? b.transport : new JdkWebSocketTransport(http);
    this.dispatcher = Executors.newSingleThreadExecutor(daemon("warbler-dispatcher"));
    this.timers = Executors.newSingleThreadScheduledExecutor(daemon("warbler-timers"));
    this.completions = r -> Thread.ofVirtual().name("warbler-completion").start(r);
  }

  public static Builder builder() {
    return new Builder();
  }

  public State state() {
    return state;
  }

  /** What the server said when the current connection authenticated; empty when not connected. */
  public Optional<AuthOk> session() {
    return Optional.ofNullable(session);
  }

  /**
   * Connects, authenticates and catches up. The future completes once the client is connected and
   * the catch-up sync has been delivered to the listener (after {@link
   * MessageListener#onConnected}). It fails if this first attempt fails, and the client is then
   * {@link State#STOPPED}; after it succeeded, the client reconnects by itself whenever the
   * connection is lost for a reason that allows it. While connected or reconnecting it completes at
   * once; while a connect is in progress it completes with that connect.
   */
  public CompletableFuture<Void> connect() {
    CompletableFuture<Void> result = new CompletableFuture<>();
    if (!post(() -> startConnect(result))) {
      result.completeExceptionally(closedClient());
    }
    return relay(result);
  }

  private void startConnect(CompletableFuture<Void> result) {
    switch (state) {
      case CLOSED -> result.completeExceptionally(closedClient());
      case CONNECTED, RECONNECTING -> result.complete(null);
      case CONNECTING -> {
        CompletableFuture<Void> inProgress = Objects.requireNonNull(connecting);
        inProgress.whenComplete((v, e) -> complete(result, v, e));
      }
      case NEW, STOPPED -> {
        if (!moveTo(State.CONNECTING)) {
          result.completeExceptionally(closedClient());
          return;
        }
        connecting = result;
        attempt = 0;
        attemptConnect();
      }
    }
  }

  /**
   * Sends a message. A blank {@code client_msg_id} is replaced by a random UUID; giving one makes
   * the send idempotent across client restarts too. The future completes with the ack (its {@code
   * duplicate} flag is set when the server had already stored this client message id). Sends made
   * while disconnected wait for the connection, up to the send timeout.
   */
  public CompletableFuture<SendAck> send(Send message) {
    if (state == State.CLOSED) {
      return CompletableFuture.failedFuture(closedClient());
    }
    Send send =
        message.getClientMsgId().isBlank()
            ? message.toBuilder().setClientMsgId(UUID.randomUUID().toString()).build()
            : message;
    if (send.getType() == MessageType.TYPE_UNSPECIFIED) {
      send = send.toBuilder().setType(MessageType.TEXT).build();
    }
    if (outbox.size() >= maxPendingSends) {
      return CompletableFuture.failedFuture(
          WarblerClientException.of(
              ErrorCode.LIMIT_EXCEEDED,
              maxPendingSends + " sends are already waiting for an ack (max pending sends)"));
    }
    PendingSend pending = new PendingSend(send, clock.millis() + sendTimeout.toMillis());
    PendingSend existing = outbox.putIfAbsent(send.getClientMsgId(), pending);
    if (existing != null) {
      return relay(existing.result);
    }
    try {
      pending.timeout =
          timers.schedule(
              () ->
                  pending.finish(
                      null,
                      new TimeoutException(
                          "no ack for client_msg_id "
                              + pending.send.getClientMsgId()
                              + " within the send timeout of "
                              + sendTimeout)),
              sendTimeout.toMillis(),
              TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      pending.finish(null, closedClient());
    }
    transmit(pending);
    return relay(pending.result);
  }

  /** As {@link #send(Send)}, for a message still being built. */
  public CompletableFuture<SendAck> send(Send.Builder message) {
    return send(message.build());
  }

  /** Sends a text message to the direct conversation with {@code toUser}. */
  public CompletableFuture<SendAck> sendText(String toUser, String text) {
    return send(Send.newBuilder().setUser(toUser).setType(MessageType.TEXT).setText(text).build());
  }

  /** Sends a text message to a group. */
  public CompletableFuture<SendAck> sendToGroup(String group, String text) {
    return send(Send.newBuilder().setGroup(group).setType(MessageType.TEXT).setText(text).build());
  }

  /**
   * Sends a text message to a conversation ({@code d:A:B}, {@code g:GROUP}) with options such as
   * {@link SendOption#replyTo} and {@link SendOption#mention}; idempotent like {@link #send(Send)}.
   */
  public CompletableFuture<SendAck> sendTo(
      String conversation, String text, SendOption... options) {
    Send.Builder send =
        Send.newBuilder().setConversation(conversation).setType(MessageType.TEXT).setText(text);
    for (SendOption option : options) {
      option.applyTo(send);
    }
    return send(send.build());
  }

  /**
   * Recalls message {@code seq}: one's own within the server's recall window, or anyone's as a
   * group moderator. Completes with the ack of the CHANGE entry; recalling again is harmless.
   */
  public CompletableFuture<SendAck> recall(String conversation, long seq) {
    return request(
        ClientFrame.newBuilder()
            .setRecall(Recall.newBuilder().setConversation(conversation).setSeq(seq)),
        ServerFrame.BodyCase.SEND_ACK,
        ServerFrame::getSendAck);
  }

  /** Replaces the text of one's own message (its payload is removed). */
  public CompletableFuture<SendAck> edit(String conversation, long seq, String text) {
    return edit(conversation, seq, text, "");
  }

  /** Replaces the text and the JSON payload of one's own message within the edit window. */
  public CompletableFuture<SendAck> edit(
      String conversation, long seq, String text, String payload) {
    return request(
        ClientFrame.newBuilder()
            .setEdit(
                Edit.newBuilder()
                    .setConversation(conversation)
                    .setSeq(seq)
                    .setText(text)
                    .setPayload(payload)),
        ServerFrame.BodyCase.SEND_ACK,
        ServerFrame::getSendAck);
  }

  /** Adds this user's reaction; {@code duplicate} in the ack when it was there already. */
  public CompletableFuture<SendAck> react(String conversation, long seq, String emoji) {
    return reaction(conversation, seq, emoji, false);
  }

  /** Removes this user's reaction; {@code duplicate} in the ack when there was none. */
  public CompletableFuture<SendAck> unreact(String conversation, long seq, String emoji) {
    return reaction(conversation, seq, emoji, true);
  }

  private CompletableFuture<SendAck> reaction(
      String conversation, long seq, String emoji, boolean remove) {
    return request(
        ClientFrame.newBuilder()
            .setReact(
                React.newBuilder()
                    .setConversation(conversation)
                    .setSeq(seq)
                    .setEmoji(emoji)
                    .setRemove(remove)),
        ServerFrame.BodyCase.SEND_ACK,
        ServerFrame::getSendAck);
  }

  /** Hides message {@code seq} from this user's reads, on all of its devices. */
  public CompletableFuture<DeletedForMe> deleteForMe(String conversation, long seq) {
    return request(
        ClientFrame.newBuilder()
            .setDeleteForMe(DeleteForMe.newBuilder().setConversation(conversation).setSeq(seq)),
        ServerFrame.BodyCase.DELETED_FOR_ME,
        ServerFrame::getDeletedForMe);
  }

  /**
   * Forwards a message this user can read. A blank client message id is replaced by a random one;
   * sending the same forward again (same id) stores it once.
   */
  public CompletableFuture<SendAck> forward(Forward forward) {
    Forward f =
        forward.getClientMsgId().isBlank()
            ? forward.toBuilder().setClientMsgId(UUID.randomUUID().toString()).build()
            : forward;
    return request(
        ClientFrame.newBuilder().setForward(f),
        ServerFrame.BodyCase.SEND_ACK,
        ServerFrame::getSendAck);
  }

  /** Forwards message {@code fromSeq} of {@code fromConversation} to {@code toConversation}. */
  public CompletableFuture<SendAck> forward(
      String fromConversation, long fromSeq, String toConversation) {
    return forward(
        Forward.newBuilder()
            .setFromConversation(fromConversation)
            .setFromSeq(fromSeq)
            .setConversation(toConversation)
            .build());
  }

  /**
   * The newest {@code limit} messages with seq below {@code beforeSeq} (0 = the newest), oldest
   * first; {@code more} when older ones remain. A {@code limit} of 0 means the server's default.
   */
  public CompletableFuture<MessagePage> history(String conversation, long beforeSeq, int limit) {
    return request(
        ClientFrame.newBuilder()
            .setHistory(
                History.newBuilder()
                    .setConversation(conversation)
                    .setBeforeSeq(beforeSeq)
                    .setLimit(limit)),
        ServerFrame.BodyCase.MESSAGES,
        ServerFrame::getMessages);
  }

  /**
   * Messages with seq above {@code afterSeq}, oldest first; {@code more} when newer ones remain.
   */
  public CompletableFuture<MessagePage> pull(String conversation, long afterSeq, int limit) {
    return request(
        pullFrame(conversation, afterSeq, limit),
        ServerFrame.BodyCase.MESSAGES,
        ServerFrame::getMessages);
  }

  /**
   * The user's conversations that changed after {@code cursor} (0 = all). This is the raw protocol
   * call; the client runs its own sync on every connect and this does not affect it.
   */
  public CompletableFuture<SyncResult> sync(long cursor, int limit) {
    return request(
        syncFrame(cursor, limit), ServerFrame.BodyCase.SYNC_RESULT, ServerFrame::getSyncResult);
  }

  /** Marks {@code conversation} read up to {@code seq}; the answer is the resulting read state. */
  public CompletableFuture<ReadState> markRead(String conversation, long seq) {
    return request(
        ClientFrame.newBuilder()
            .setMarkRead(MarkRead.newBuilder().setConversation(conversation).setSeq(seq)),
        ServerFrame.BodyCase.READ_STATE,
        ServerFrame::getReadState);
  }

  // ---------------------------------------------------------------------------------------------
  // Groups (docs/protocol.md 3.13): each call is one group_command; failures carry the catalog
  // code (FORBIDDEN, NOT_MEMBER, MUTED, BANNED, ...).

  /** Creates a group owned by this user; {@code create} holds the profile and first members. */
  public CompletableFuture<GroupInfo> createGroup(String group, CreateGroup create) {
    return groupInfo(group, b -> b.setCreate(create));
  }

  /** The group's profile, settings, member count and this user's role. */
  public CompletableFuture<GroupInfo> getGroup(String group) {
    return groupInfo(group, b -> b.setGet(GetGroup.getDefaultInstance()));
  }

  /** Changes the fields {@code update} sets (admins; the policies only the owner). */
  public CompletableFuture<GroupInfo> updateGroup(String group, UpdateGroup update) {
    return groupInfo(group, b -> b.setUpdate(update));
  }

  /** A page of members with roles; {@code cursor} "" starts, {@code limit} 0 = the default. */
  public CompletableFuture<GroupMembers> listGroupMembers(String group, String cursor, int limit) {
    return request(
        groupFrame(
            group,
            b -> b.setListMembers(ListGroupMembers.newBuilder().setCursor(cursor).setLimit(limit))),
        ServerFrame.BodyCase.GROUP_MEMBERS,
        ServerFrame::getGroupMembers);
  }

  /** Adds users (admins, or members when the invite policy allows); the ack lists those added. */
  public CompletableFuture<GroupAck> inviteToGroup(String group, List<String> users) {
    return groupAck(group, b -> b.setInvite(users(users)));
  }

  /** Removes members (admins remove members, the owner admins too). */
  public CompletableFuture<GroupAck> kickFromGroup(String group, List<String> users) {
    return groupAck(group, b -> b.setKick(users(users)));
  }

  /** Leaves the group; the owner must transfer ownership first. */
  public CompletableFuture<GroupAck> leaveGroup(String group) {
    return groupAck(group, b -> b.setLeave(LeaveGroup.getDefaultInstance()));
  }

  /** Makes a member an admin or an admin a member (owner only). */
  public CompletableFuture<GroupAck> setGroupMemberRole(String group, String user, GroupRole role) {
    return groupAck(
        group, b -> b.setSetRole(SetMemberRole.newBuilder().setUser(user).setRole(role)));
  }

  /** Makes {@code user} the owner; this user (the owner) becomes an admin. */
  public CompletableFuture<GroupAck> transferGroupOwnership(String group, String user) {
    return groupAck(
        group, b -> b.setTransferOwnership(TransferGroupOwnership.newBuilder().setUser(user)));
  }

  /** Mutes a member until {@code until}; its sends fail with MUTED until then. */
  public CompletableFuture<GroupAck> muteGroupMember(String group, String user, Instant until) {
    return groupAck(
        group,
        b -> b.setMute(MuteGroupMember.newBuilder().setUser(user).setUntil(until.toEpochMilli())));
  }

  public CompletableFuture<GroupAck> unmuteGroupMember(String group, String user) {
    return groupAck(group, b -> b.setUnmute(UnmuteGroupMember.newBuilder().setUser(user)));
  }

  /** Mute all: while on, only the owner and admins may send. */
  public CompletableFuture<GroupAck> muteGroup(String group, boolean on) {
    return groupAck(group, b -> b.setMuteAll(MuteGroup.newBuilder().setOn(on)));
  }

  /** Bans users: removes the members among them and keeps all of them out until unbanned. */
  public CompletableFuture<GroupAck> banFromGroup(String group, List<String> users) {
    return groupAck(group, b -> b.setBan(users(users)));
  }

  public CompletableFuture<GroupAck> unbanFromGroup(String group, List<String> users) {
    return groupAck(group, b -> b.setUnban(users(users)));
  }

  /**
   * Asks to join: joins at once when the group is open, leaves a request with {@code message} for
   * the admins when it needs approval; FORBIDDEN when it is invite-only.
   */
  public CompletableFuture<GroupAck> requestToJoinGroup(String group, String message) {
    return groupAck(
        group, b -> b.setRequestJoin(RequestJoinGroup.newBuilder().setMessage(message)));
  }

  public CompletableFuture<GroupAck> approveGroupJoin(String group, List<String> users) {
    return groupAck(group, b -> b.setApproveJoin(users(users)));
  }

  public CompletableFuture<GroupAck> rejectGroupJoin(String group, List<String> users) {
    return groupAck(group, b -> b.setRejectJoin(users(users)));
  }

  /** A page of pending join requests (admins). */
  public CompletableFuture<JoinRequests> listGroupJoinRequests(
      String group, String cursor, int limit) {
    return request(
        groupFrame(
            group,
            b ->
                b.setListJoinRequests(
                    ListJoinRequests.newBuilder().setCursor(cursor).setLimit(limit))),
        ServerFrame.BodyCase.JOIN_REQUESTS,
        ServerFrame::getJoinRequests);
  }

  /** Deletes the group (owner only): a final event, then no more sends. */
  public CompletableFuture<GroupAck> deleteGroup(String group) {
    return groupAck(group, b -> b.setDelete(DeleteGroup.getDefaultInstance()));
  }

  private CompletableFuture<GroupInfo> groupInfo(
      String group, java.util.function.Consumer<GroupCommand.Builder> op) {
    return request(
        groupFrame(group, op), ServerFrame.BodyCase.GROUP_INFO, ServerFrame::getGroupInfo);
  }

  private CompletableFuture<GroupAck> groupAck(
      String group, java.util.function.Consumer<GroupCommand.Builder> op) {
    return request(groupFrame(group, op), ServerFrame.BodyCase.GROUP_ACK, ServerFrame::getGroupAck);
  }

  private static ClientFrame.Builder groupFrame(
      String group, java.util.function.Consumer<GroupCommand.Builder> op) {
    GroupCommand.Builder command = GroupCommand.newBuilder().setGroup(group);
    op.accept(command);
    return ClientFrame.newBuilder().setGroupCommand(command);
  }

  private static GroupUsers users(List<String> users) {
    return GroupUsers.newBuilder().addAllUsers(users).build();
  }

  /**
   * Tells the other members of {@code conversation} that this user is ({@code active}) or stopped
   * typing. The server forwards at most one event per conversation per {@code
   * gateway.typing-min-interval-ms} (a stop after a start always passes) and refuses conversations
   * larger than {@code limits.typing-max-members} with LIMIT_EXCEEDED. While typing, call again
   * every few seconds: receivers expire a silent "typing".
   */
  public CompletableFuture<Void> typing(String conversation, boolean active) {
    return request(
        ClientFrame.newBuilder()
            .setTyping(Typing.newBuilder().setConversation(conversation).setActive(active)),
        ServerFrame.BodyCase.TYPING_EVENT,
        f -> null);
  }

  /**
   * Watches {@code users} (of this app): replaces the previous subscription (an empty collection
   * ends it), answers their presence now, and from then on reports their changes to {@link
   * MessageListener#onPresence}. The subscription is renewed after every reconnect. At most {@code
   * limits.presence-subscriptions} users (LIMIT_EXCEEDED).
   */
  public CompletableFuture<List<PresenceEntry>> subscribePresence(Collection<String> users) {
    List<String> wanted = List.copyOf(users);
    return request(
            ClientFrame.newBuilder()
                .setSubscribePresence(SubscribePresence.newBuilder().addAllUsers(wanted)),
            ServerFrame.BodyCase.PRESENCE_LIST,
            ServerFrame::getPresenceList)
        .thenApply(list -> {
          presenceUsers = wanted;
          return list.getEntriesList();
        });
  }

  /**
   * One page of the members' read and delivery positions in {@code conversation}, by user id; pass
   * {@code next_cursor} back for the next page (empty = the end). Members only (NOT_MEMBER).
   */
  public CompletableFuture<Receipts> receipts(String conversation, String cursor, int limit) {
    return request(
        ClientFrame.newBuilder()
            .setGetReceipts(
                GetReceipts.newBuilder()
                    .setConversation(conversation)
                    .setCursor(cursor)
                    .setLimit(limit)),
        ServerFrame.BodyCase.RECEIPTS,
        ServerFrame::getReceipts);
  }

  /** Every member's read and delivery position in {@code conversation}, all pages, by user id. */
  public CompletableFuture<List<MemberReceipt>> receipts(String conversation) {
    return allReceipts(conversation, "", new ArrayList<>());
  }

  private CompletableFuture<List<MemberReceipt>> allReceipts(
      String conversation, String cursor, List<MemberReceipt> into) {
    return receipts(conversation, cursor, 0)
        .thenCompose(page -> {
          into.addAll(page.getEntriesList());
          return page.getNextCursor().isEmpty()
              ? CompletableFuture.completedFuture(List.copyOf(into))
              : allReceipts(conversation, page.getNextCursor(), into);
        });
  }

  /**
   * All the user's conversations as the server's sync has them (each with last seq, unread, last
   * message and the user's settings: pinned, muted, archived, custom), in the order they last
   * changed, oldest first. Reads every sync page from the beginning; does not affect the client's
   * own catch-up.
   */
  public CompletableFuture<List<ConversationState>> conversations() {
    return collect(0, new LinkedHashMap<>()).thenApply(all -> List.copyOf(all.values()));
  }

  private CompletableFuture<Map<String, ConversationState>> collect(
      long from, Map<String, ConversationState> acc) {
    return sync(from, syncPageSize)
        .thenCompose(page -> {
          for (ConversationState s : page.getConversationsList()) {
            acc.remove(s.getConversation());
            acc.put(s.getConversation(), s);
          }
          return page.getMore() && page.getConversationsCount() > 0
              ? collect(page.getCursor(), acc)
              : CompletableFuture.completedFuture(acc);
        });
  }

  /**
   * Changes the user's own settings of a conversation (pinned, muted, archived, custom); fields not
   * set in {@code update} keep their value. The answer is the conversation's full state; the user's
   * other devices see the change in their next sync.
   */
  public CompletableFuture<ConversationState> updateConversation(UpdateConversation update) {
    return request(
        ClientFrame.newBuilder().setUpdateConversation(update),
        ServerFrame.BodyCase.CONVERSATION_STATE,
        ServerFrame::getConversationState);
  }

  // ---- chatrooms ------------------------------------------------------------------------------

  /** Recent messages asked for when joining again after a reconnect; the server caps it. */
  static final int REJOIN_RECENT = 1_000;

  /**
   * Enters a chatroom. The answer holds up to {@code recent} of the room's newest messages (the
   * server caps it); every later message goes to {@link MessageListener#onChatroomMessage}.
   */
  public CompletableFuture<ChatroomJoined> joinChatroom(String room, int recent) {
    Connection conn = current;
    if (conn == null) {
      return notConnected();
    }
    CompletableFuture<ServerFrame> answer = conn.request(joinFrame(room, recent));
    answer.whenComplete((f, e) -> {
      if (e == null && f.hasChatroomJoined()) {
        ChatroomJoined j = f.getChatroomJoined();
        post(() ->
            rooms.merge(room, new RoomPosition(j.getEpoch(), j.getLastSeq()), RoomPosition::later));
      }
    });
    return relay(
        answer.thenApply(f -> expect(f, ServerFrame.BodyCase.CHATROOM_JOINED).getChatroomJoined()));
  }

  /** Leaves a chatroom; harmless if the client is not in it. */
  public CompletableFuture<Void> leaveChatroom(String room) {
    Connection conn = current;
    if (conn == null) {
      return notConnected();
    }
    return relay(
        conn.request(
                ClientFrame.newBuilder().setLeaveChatroom(LeaveChatroom.newBuilder().setRoom(room)))
            .thenApply(f -> {
              expect(f, ServerFrame.BodyCase.CHATROOM_LEFT);
              post(() -> rooms.remove(room));
              return null;
            }));
  }

  /** Sends a text message to a chatroom the client has joined (NOT_MEMBER otherwise). */
  public CompletableFuture<SendAck> sendToChatroom(String room, String text) {
    return send(
        Send.newBuilder().setChatroom(room).setType(MessageType.TEXT).setText(text).build());
  }

  // ---- contacts -------------------------------------------------------------------------------

  /**
   * Asks {@code user} to become friends, with an optional note; if {@code user} had asked already,
   * they become friends at once. Fails with BLOCKED if {@code user} blocked this user.
   */
  public CompletableFuture<Contact> sendFriendRequest(String user, String message) {
    return contact(
        ClientFrame.newBuilder()
            .setSendFriendRequest(
                SendFriendRequest.newBuilder().setUser(user).setMessage(message)));
  }

  /** Accepts or declines the pending request from {@code user}; NOT_FOUND if there is none. */
  public CompletableFuture<Contact> respondFriendRequest(String user, boolean accept) {
    return contact(
        ClientFrame.newBuilder()
            .setRespondFriendRequest(
                RespondFriendRequest.newBuilder().setUser(user).setAccept(accept)));
  }

  /** Pending requests sent to this user, or by it when {@code outgoing}; a page per cursor. */
  public CompletableFuture<FriendRequestPage> listFriendRequests(
      boolean outgoing, String cursor, int limit) {
    return request(
        ClientFrame.newBuilder()
            .setListFriendRequests(
                ListFriendRequests.newBuilder()
                    .setOutgoing(outgoing)
                    .setCursor(cursor)
                    .setLimit(limit)),
        ServerFrame.BodyCase.FRIEND_REQUESTS,
        ServerFrame::getFriendRequests);
  }

  /** The user's friends in id order; pass the page's {@code next_cursor} for the next one. */
  public CompletableFuture<FriendPage> listFriends(String cursor, int limit) {
    return request(
        ClientFrame.newBuilder()
            .setListFriends(ListFriends.newBuilder().setCursor(cursor).setLimit(limit)),
        ServerFrame.BodyCase.FRIENDS,
        ServerFrame::getFriends);
  }

  public CompletableFuture<Contact> removeFriend(String user) {
    return contact(
        ClientFrame.newBuilder().setRemoveFriend(RemoveFriend.newBuilder().setUser(user)));
  }

  /** Blocks {@code user}: its direct messages and friend requests to this user fail (BLOCKED). */
  public CompletableFuture<Contact> block(String user) {
    return contact(ClientFrame.newBuilder().setBlockUser(BlockUser.newBuilder().setUser(user)));
  }

  public CompletableFuture<Contact> unblock(String user) {
    return contact(ClientFrame.newBuilder().setUnblockUser(UnblockUser.newBuilder().setUser(user)));
  }

  public CompletableFuture<BlockedPage> listBlocked(String cursor, int limit) {
    return request(
        ClientFrame.newBuilder()
            .setListBlocked(ListBlocked.newBuilder().setCursor(cursor).setLimit(limit)),
        ServerFrame.BodyCase.BLOCKED,
        ServerFrame::getBlocked);
  }

  private CompletableFuture<Contact> contact(ClientFrame.Builder frame) {
    return request(frame, ServerFrame.BodyCase.CONTACT, ServerFrame::getContact);
  }

  private <T> CompletableFuture<T> notConnected() {
    return CompletableFuture.failedFuture(
        state == State.CLOSED
            ? closedClient()
            : new WarblerConnectionException(
                WarblerConnectionException.ABNORMAL, "not connected (" + state + ")"));
  }

  private static ClientFrame.Builder joinFrame(String room, int recent) {
    return ClientFrame.newBuilder()
        .setJoinChatroom(JoinChatroom.newBuilder().setRoom(room).setRecent(recent));
  }

  /** How far a room was delivered: seqs count within an epoch. */
  private record RoomPosition(long epoch, long seq) {
    static RoomPosition later(RoomPosition a, RoomPosition b) {
      if (a.epoch != b.epoch) {
        return a.epoch > b.epoch ? a : b;
      }
      return a.seq >= b.seq ? a : b;
    }
  }

  /**
   * Dispatcher, while connecting: joins the rooms the client was in again and delivers the recent
   * messages it missed. A room that is gone is reported to {@link MessageListener#onChatroomLeft}.
   */
  private void rejoinRooms(Connection conn) throws Exception {
    for (String room : List.copyOf(rooms.keySet())) {
      ServerFrame frame;
      try {
        frame = await(conn.request(joinFrame(room, REJOIN_RECENT)));
      } catch (WarblerClientException e) {
        if (e.retryable()) {
          throw e;
        }
        rooms.remove(room);
        ChatroomLeft left = ChatroomLeft.newBuilder().setRoom(room).setReason(describe(e)).build();
        callback(() -> listener.onChatroomLeft(left));
        continue;
      }
      ChatroomJoined joined =
          expect(frame, ServerFrame.BodyCase.CHATROOM_JOINED).getChatroomJoined();
      for (Message m : joined.getRecentList()) {
        offerRoom(
            ChatroomMessage.newBuilder()
                .setRoom(room)
                .setEpoch(joined.getEpoch())
                .setMessage(m)
                .build());
      }
      rooms.merge(
          room, new RoomPosition(joined.getEpoch(), joined.getLastSeq()), RoomPosition::later);
    }
  }

  /** Any thread: a pushed chatroom, contact or delete-for-me event, handed to the dispatcher. */
  private void onEventFrame(Connection conn, ServerFrame frame) {
    if (queuedMessages.incrementAndGet() > maxQueuedMessages) {
      queuedMessages.decrementAndGet();
      log.warn(
          "{} events wait for the listener (max queued messages); reconnecting", maxQueuedMessages);
      conn.abort();
      return;
    }
    if (!post(
        () -> {
          queuedMessages.decrementAndGet();
          onEvent(conn, frame);
        })) {
      queuedMessages.decrementAndGet();
    }
  }

  private void onEvent(Connection conn, ServerFrame frame) {
    if (conn != current) {
      return;
    }
    if (frame.hasChatroomMessage()) {
      offerRoom(frame.getChatroomMessage());
    } else if (frame.hasChatroomLeft()) {
      rooms.remove(frame.getChatroomLeft().getRoom());
      callback(() -> listener.onChatroomLeft(frame.getChatroomLeft()));
    } else if (frame.hasFriendRequestEvent()) {
      callback(() -> listener.onFriendRequest(frame.getFriendRequestEvent()));
    } else if (frame.hasDeletedForMe()) {
      DeletedForMe d = frame.getDeletedForMe();
      callback(() -> listener.onDeletedForMe(d.getConversation(), d.getSeq()));
    }
  }

  /** Delivers a chatroom message unless it was delivered already (same epoch, seq not newer). */
  private void offerRoom(ChatroomMessage m) {
    RoomPosition at = rooms.get(m.getRoom());
    long seq = m.getMessage().getSeq();
    if (at != null && at.epoch() == m.getEpoch() && seq <= at.seq()) {
      return;
    }
    // A push may overtake the bookkeeping of its room's join answer: a message of a room not yet
    // recorded is delivered and records the room.
    rooms.put(m.getRoom(), new RoomPosition(m.getEpoch(), seq));
    callback(() -> listener.onChatroomMessage(m));
  }

  /**
   * The highest seq delivered to the listener in {@code conversation} (or recorded as seen by a
   * {@linkplain Builder#startFromNow start from now}); empty if none. For tests and diagnostics.
   */
  public CompletableFuture<OptionalLong> deliveredSeq(String conversation) {
    CompletableFuture<OptionalLong> result = new CompletableFuture<>();
    if (!post(
        () -> {
          Long seq = delivered.get(conversation);
          result.complete(seq == null ? OptionalLong.empty() : OptionalLong.of(seq));
        })) {
      result.completeExceptionally(closedClient());
    }
    return relay(result);
  }

  /**
   * Stops everything: closes the connection (code 1000), cancels reconnects and heartbeats, and
   * fails pending sends and requests with {@link WarblerConnectionException}. Messages not yet
   * delivered to the listener are dropped. Idempotent; does not wait for the dispatcher.
   */
  @Override
  public void close() {
    State previous;
    synchronized (this) {
      previous = state;
      if (previous == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
    }
    Connection conn = current;
    current = null;
    session = null;
    if (conn != null) {
      // Queued before the close frame: what the listener saw counts as delivered.
      flushAcks(conn);
      conn.close(CloseCode.NORMAL.code(), "client closed");
    }
    dispatcher.shutdownNow();
    timers.shutdownNow();
    WarblerConnectionException closed = closedClient();
    outbox.values().forEach(p -> p.finish(null, closed));
    CompletableFuture<Void> inProgress = connecting;
    if (inProgress != null) {
      inProgress.completeExceptionally(closed);
    }
    ownedHttp.ifPresent(HttpClient::shutdownNow);
    log.debug("client closed (was {})", previous);
  }

  // ---------------------------------------------------------------------------------------------
  // Connecting (dispatcher thread)

  private void attemptConnect() {
    Connection conn = null;
    try {
      Rest rest = servers.get(serverIndex % servers.size());
      URI uri = webSocketUri.isPresent() ? webSocketUri.get() : rest.discovery().websocket();
      String token = tokens.get();
      if (token.equals(expiredToken)) {
        ErrorCode error = expiredTokenRevoked ? ErrorCode.TOKEN_REVOKED : ErrorCode.TOKEN_EXPIRED;
        String message =
            "the token supplier returned the "
                + (expiredTokenRevoked ? "revoked" : "expired")
                + " token again";
        lost(
            false,
            expiredTokenRevoked ? CloseCode.TOKEN_REVOKED.code() : CloseCode.TOKEN_EXPIRED.code(),
            message,
            false,
            new WarblerClientException(
                dev.warbler.protocol.v1.Error.newBuilder()
                    .setCode(error.code())
                    .setName(error.name())
                    .setMessage(message)
                    .build()));
        return;
      }
      Connection c =
          new Connection(
              requestTimeout, this::onLiveFrame, this::onPushedEvent, this::onLinkClosed);
      c.token = token;
      conn = c;
      c.attach(
          await(
              transport
                  .open(uri, encoding, requestTimeout, c)
                  .orTimeout(requestTimeout.toMillis() * 2, TimeUnit.MILLISECONDS)));
      ServerFrame answer;
      try {
        answer =
            await(
                c.request(
                    ClientFrame.newBuilder()
                        .setAuth(Auth.newBuilder().setToken(token).setDevice(device).setApp(app))));
      } catch (WarblerClientException e) {
        if (needsNewToken(e.code())) {
          expiredToken = token;
          expiredTokenRevoked = e.code() == ErrorCode.TOKEN_REVOKED.code();
        }
        throw e;
      }
      expect(answer, ServerFrame.BodyCase.AUTH_OK);
      AuthOk ok = answer.getAuthOk();
      expiredToken = null;
      c.authenticated = true;
      current = c;
      session = ok;
      if (!caughtUpOnce) {
        // "Now" is the auth of the connect that completes the first catch-up. Without a server
        // time there is nothing to refine by: the sync positions alone count.
        startBoundaryMillis = ok.getServerTime() > 0 ? ok.getServerTime() : Long.MAX_VALUE;
      }
      startHeartbeats(c, ok);
      // Before the outbox: a chatroom send waiting there needs the room joined again.
      rejoinRooms(c);
      outbox.values().forEach(this::transmit);
      catchUp(c);
      renewPresence(c);
      flushAcks();
      if (state == State.CLOSED || c.isClosed()) {
        throw c.closedException();
      }
      attempt = 0;
      if (!moveTo(State.CONNECTED)) {
        throw closedClient();
      }
      log.debug(
          "connected to {} as {}/{} (session {})", uri, ok.getApp(), ok.getUser(), ok.getSession());
      callback(() -> listener.onConnected(ok));
      CompletableFuture<Void> first = connecting;
      connecting = null;
      if (first != null) {
        first.complete(null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (conn != null) {
        conn.abort();
      }
    } catch (Exception e) {
      if (conn != null) {
        failConnection(conn, e);
      } else {
        Failure f = classify(null, e);
        lost(false, f.code, f.reason, f.reconnect, f.cause);
      }
    }
  }

  /** Reacts once to the end of a connection that failed while the dispatcher was using it. */
  private void failConnection(Connection conn, Throwable error) {
    if (conn.handled) {
      return;
    }
    conn.handled = true;
    if (current == conn) {
      current = null;
      session = null;
    }
    conn.abort();
    Failure f = classify(conn, error);
    lost(conn.authenticated, f.code, f.reason, f.reconnect, f.cause);
  }

  private void onLinkClosed(Connection conn) {
    post(() -> {
      if (current == conn) {
        failConnection(conn, conn.closedException());
      }
    });
  }

  private record Failure(int code, String reason, boolean reconnect, Throwable cause) {}

  /** Errors after which the token supplier is asked for another token before reconnecting. */
  private static boolean needsNewToken(int errorCode) {
    return errorCode == ErrorCode.TOKEN_EXPIRED.code()
        || errorCode == ErrorCode.TOKEN_REVOKED.code();
  }

  private Failure classify(@Nullable Connection conn, Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof WarblerClientException w) {
      if (needsNewToken(w.code())) {
        int close =
            w.code() == ErrorCode.TOKEN_REVOKED.code()
                ? CloseCode.TOKEN_REVOKED.code()
                : CloseCode.TOKEN_EXPIRED.code();
        return new Failure(close, w.getMessage(), true, w);
      }
      if (w.code() >= 2000 && w.code() < 3000 && !w.retryable()) {
        return new Failure(CloseCode.AUTH_FAILED.code(), w.getMessage(), false, w);
      }
      return new Failure(WarblerConnectionException.ABNORMAL, w.getMessage(), w.retryable(), w);
    }
    if (conn != null
        && conn.isClosed()
        && (conn.closeCode() == CloseCode.TOKEN_EXPIRED.code()
            || conn.closeCode() == CloseCode.TOKEN_REVOKED.code())) {
      // The server says: get a new token before reconnecting (expired, or revoked: the app's
      // backend decides whether the user gets another). The supplier may have one; if it returns
      // the same token again, the next attempt stops.
      expiredToken = conn.token;
      expiredTokenRevoked = conn.closeCode() == CloseCode.TOKEN_REVOKED.code();
      return new Failure(conn.closeCode(), conn.closeReason(), true, conn.closedException());
    }
    if (conn != null && conn.isClosed()) {
      return new Failure(
          conn.closeCode(), conn.closeReason(), conn.reconnectAfterClose(), conn.closedException());
    }
    if (e instanceof WarblerConnectionException c) {
      return new Failure(
          c.closeCode(), c.reason(), WarblerConnectionException.shouldReconnect(c.closeCode()), c);
    }
    String reason =
        e instanceof TimeoutException
            ? "no answer within the request timeout of " + requestTimeout
            : describe(e);
    return new Failure(
        WarblerConnectionException.ABNORMAL,
        reason,
        true,
        new WarblerConnectionException(WarblerConnectionException.ABNORMAL, reason, e));
  }

  /** After a connection (or an attempt to make one) ended: report, then reconnect or stop. */
  private void lost(
      boolean wasAuthenticated, int code, String reason, boolean reconnect, Throwable cause) {
    stopHeartbeats();
    if (state == State.CLOSED) {
      return;
    }
    CompletableFuture<Void> first = connecting;
    if (first != null) {
      // The first attempt of a connect() call failed: report it to the caller, do not retry.
      connecting = null;
      moveTo(State.STOPPED);
      log.debug("connect failed: {} ({})", reason, code);
      if (wasAuthenticated) {
        callback(() -> listener.onDisconnected(code, reason));
      }
      failOutbox(code, reason);
      first.completeExceptionally(cause);
      return;
    }
    if (reconnect) {
      // The next attempt goes to the next server of the list: this one failed or dropped us (a
      // draining node says so with 1001).
      serverIndex = (serverIndex + 1) % servers.size();
      moveTo(State.RECONNECTING);
      if (wasAuthenticated) {
        log.info("disconnected ({}: {}); reconnecting", code, reason);
        callback(() -> listener.onDisconnected(code, reason));
      } else {
        log.debug("reconnect attempt {} failed: {} ({})", attempt, reason, code);
      }
      scheduleReconnect();
    } else {
      moveTo(State.STOPPED);
      log.info("disconnected ({}: {}); not reconnecting", code, reason);
      failOutbox(code, reason);
      callback(() -> listener.onDisconnected(code, reason));
    }
  }

  /** Changes the state unless the client is closed; true if it changed. */
  private synchronized boolean moveTo(State next) {
    if (state == State.CLOSED) {
      return false;
    }
    state = next;
    return true;
  }

  private void scheduleReconnect() {
    Duration delay = backoff.delay(attempt, random);
    attempt = Math.min(attempt + 1, 62);
    try {
      timers.schedule(
          () ->
              post(() -> {
                if (state == State.RECONNECTING) {
                  attemptConnect();
                }
              }),
          delay.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // Closed meanwhile.
    }
  }

  private void failOutbox(int code, String reason) {
    WarblerConnectionException e = new WarblerConnectionException(code, reason);
    outbox.values().forEach(p -> p.finish(null, e));
  }

  private void startHeartbeats(Connection conn, AuthOk ok) {
    stopHeartbeats();
    int idle = ok.getIdleTimeoutSeconds();
    if (idle <= 0) {
      return;
    }
    long periodMillis = Math.max(1, TimeUnit.SECONDS.toMillis(idle) / 3);
    pinger =
        timers.scheduleAtFixedRate(
            () -> {
              long sent = clock.millis();
              conn.request(ClientFrame.newBuilder().setPing(Ping.newBuilder().setClientTime(sent)))
                  .whenComplete((pong, e) -> {
                    if (e == null) {
                      log.trace("pong after {} ms", clock.millis() - sent);
                    } else if (!conn.isClosed()) {
                      log.debug(
                          "heartbeat failed ({}); dropping the connection", describe(unwrap(e)));
                      post(() -> failConnection(conn, e));
                    }
                  });
            },
            periodMillis,
            periodMillis,
            TimeUnit.MILLISECONDS);
  }

  private void stopHeartbeats() {
    ScheduledFuture<?> p = pinger;
    if (p != null) {
      p.cancel(false);
      pinger = null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Delivery (dispatcher thread)

  /**
   * Brings the listener up to date: sync from the cursor, then pull every conversation whose last
   * seq is above what was delivered. The cursor moves only after a page's conversations are all
   * caught up, so an interrupted catch-up is redone from the same place.
   */
  private void catchUp(Connection conn) throws Exception {
    boolean first = !caughtUpOnce;
    SyncResult page;
    do {
      ServerFrame frame = await(conn.request(syncFrame(cursor, syncPageSize)));
      expect(frame, ServerFrame.BodyCase.SYNC_RESULT);
      page = frame.getSyncResult();
      for (ConversationState conversation : page.getConversationsList()) {
        catchUp(conn, conversation, first);
      }
      cursor = page.getCursor();
    } while (page.getMore() && page.getConversationsCount() > 0);
    caughtUpOnce = true;
  }

  private void catchUp(Connection conn, ConversationState state, boolean first) throws Exception {
    String id = state.getConversation();
    long last = state.getLastSeq();
    if (last <= deliveredSeqOf(id)) {
      return;
    }
    if (first && startFromNow) {
      delivered.put(id, positionAtStart(conn, state));
    }
    long have = deliveredSeqOf(id);
    if (last == have + 1 && state.hasLastMessage() && state.getLastMessage().getSeq() == last) {
      offer(state.getLastMessage());
    } else {
      pullUpTo(conn, id, last);
    }
  }

  /**
   * For a start from now: the seq delivered "before now", so that only messages the server stamped
   * at or after the first auth are delivered. Nearly always the conversation's last seq; only a
   * conversation written to during the connect needs a look at its newest messages.
   */
  private long positionAtStart(Connection conn, ConversationState state) throws Exception {
    long last = state.getLastSeq();
    if (!state.hasLastMessage() || state.getLastMessage().getSentAt() < startBoundaryMillis) {
      return last;
    }
    ServerFrame frame =
        await(
            conn.request(
                ClientFrame.newBuilder()
                    .setHistory(
                        History.newBuilder()
                            .setConversation(state.getConversation())
                            .setLimit(pullPageSize))));
    expect(frame, ServerFrame.BodyCase.MESSAGES);
    for (Message m : frame.getMessages().getMessagesList()) {
      if (m.getSentAt() >= startBoundaryMillis) {
        return Math.min(last, m.getSeq() - 1);
      }
    }
    return last;
  }

  private void onLiveFrame(Connection conn, Message message) {
    if (queuedMessages.incrementAndGet() > maxQueuedMessages) {
      queuedMessages.decrementAndGet();
      log.warn(
          "{} messages wait for the listener (max queued messages); reconnecting to catch up later",
          maxQueuedMessages);
      conn.abort();
      return;
    }
    if (!post(
        () -> {
          queuedMessages.decrementAndGet();
          onLive(conn, message);
        })) {
      queuedMessages.decrementAndGet();
    }
  }

  private void onLive(Connection conn, Message message) {
    if (conn != current) {
      return; // From a connection already given up; the next catch-up covers it.
    }
    String id = message.getConversation();
    long have = deliveredSeqOf(id);
    if (message.getSeq() <= have) {
      return;
    }
    if (message.getSeq() > have + 1) {
      try {
        pullUpTo(conn, id, message.getSeq() - 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        failConnection(conn, e);
        return;
      }
    }
    offer(message);
  }

  /** Socket thread: a pushed receipt, typing or presence event, for the listener. */
  /**
   * Any thread: a pushed event. Receipts, typing and presence are ephemeral (dropped when the
   * listener is behind); chatroom, contact and delete-for-me events are not (when the listener is
   * behind, the connection is dropped and the reconnect recovers what it can).
   */
  private void onPushedEvent(Connection conn, ServerFrame frame) {
    switch (frame.getBodyCase()) {
      case READ_RECEIPT, DELIVERY_RECEIPT, TYPING_EVENT, PRESENCE_EVENT -> onLiveEvent(conn, frame);
      default -> onEventFrame(conn, frame);
    }
  }

  private void onLiveEvent(Connection conn, ServerFrame frame) {
    if (queuedMessages.incrementAndGet() > maxQueuedMessages) {
      // Ephemeral: dropping one costs a stale indicator, not data.
      queuedMessages.decrementAndGet();
      log.debug("dropping a {} event: the listener is behind", frame.getBodyCase());
      return;
    }
    if (!post(
        () -> {
          queuedMessages.decrementAndGet();
          if (conn == current) {
            dispatchEvent(frame);
          }
        })) {
      queuedMessages.decrementAndGet();
    }
  }

  private void dispatchEvent(ServerFrame frame) {
    switch (frame.getBodyCase()) {
      case READ_RECEIPT -> callback(() -> listener.onReadReceipt(frame.getReadReceipt()));
      case DELIVERY_RECEIPT ->
          callback(() -> listener.onDeliveryReceipt(frame.getDeliveryReceipt()));
      case TYPING_EVENT -> callback(() -> listener.onTyping(frame.getTypingEvent()));
      case PRESENCE_EVENT -> callback(() -> listener.onPresence(frame.getPresenceEvent()));
      default -> log.debug("ignoring a pushed {}", frame.getBodyCase());
    }
  }

  /**
   * After a reconnect: subscribes again to the watched users and reports their states now, which
   * covers every change missed while disconnected. A failure is logged, not fatal.
   */
  private void renewPresence(Connection conn) throws InterruptedException {
    List<String> users = presenceUsers;
    if (users.isEmpty()) {
      return;
    }
    try {
      PresenceList list =
          await(
                  conn.request(
                      ClientFrame.newBuilder()
                          .setSubscribePresence(SubscribePresence.newBuilder().addAllUsers(users))))
              .getPresenceList();
      for (PresenceEntry e : list.getEntriesList()) {
        PresenceEvent event =
            PresenceEvent.newBuilder()
                .setUser(e.getUser())
                .setOnline(e.getOnline())
                .setLastSeen(e.getLastSeen())
                .build();
        callback(() -> listener.onPresence(event));
      }
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      log.info("could not renew the presence subscription: {}", describe(unwrap(e)));
    }
  }

  /** Dispatcher: sends the pending delivery acks after the coalescing delay. */
  private void scheduleAckFlush() {
    if (ackFlushScheduled) {
      return;
    }
    ackFlushScheduled = true;
    try {
      timers.schedule(
          () ->
              post(() -> {
                ackFlushScheduled = false;
                flushAcks();
              }),
          deliveryAckDelay.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      ackFlushScheduled = false;
    }
  }

  /**
   * Dispatcher: tells the server how far the listener has seen each conversation, one {@code
   * delivered} per conversation, without request ids (the server answers only errors). Kept for the
   * next connection when there is none.
   */
  private void flushAcks() {
    Connection conn = current;
    if (conn != null) {
      flushAcks(conn);
    }
  }

  /** Any thread: sends the pending acks on {@code conn}; an ack raised meanwhile stays pending. */
  private void flushAcks(Connection conn) {
    for (Map.Entry<String, Long> e : unacked.entrySet()) {
      if (!conn.notify(
          ClientFrame.newBuilder()
              .setDelivered(
                  Delivered.newBuilder().setConversation(e.getKey()).setSeq(e.getValue())))) {
        return;
      }
      unacked.remove(e.getKey(), e.getValue());
    }
  }

  /**
   * Pulls and delivers messages after the delivered seq until {@code upTo} is delivered or the
   * server has no more. A conversation the user may no longer read is skipped.
   */
  private void pullUpTo(Connection conn, String conversation, long upTo) throws Exception {
    while (deliveredSeqOf(conversation) < upTo) {
      ServerFrame frame;
      try {
        frame =
            await(
                conn.request(pullFrame(conversation, deliveredSeqOf(conversation), pullPageSize)));
      } catch (WarblerClientException e) {
        if (e.retryable()) {
          throw e;
        }
        log.info("cannot pull {}: {}", conversation, e.getMessage());
        return;
      }
      expect(frame, ServerFrame.BodyCase.MESSAGES);
      MessagePage page = frame.getMessages();
      page.getMessagesList().forEach(this::offer);
      if (!page.getMore() || page.getMessagesCount() == 0) {
        return;
      }
    }
  }

  /** Delivers a message unless it is not newer than what this conversation already delivered. */
  private void offer(Message message) {
    String id = message.getConversation();
    if (message.getSeq() <= deliveredSeqOf(id)) {
      return;
    }
    delivered.put(id, message.getSeq());
    AuthOk me = session;
    if (deliveryAcks && me != null && !message.getFrom().equals(me.getUser())) {
      // Recorded before the callback, so that a listener that closes the client right away
      // still gets the ack sent by close(); sent after the coalescing delay otherwise.
      unacked.merge(id, message.getSeq(), Math::max);
      scheduleAckFlush();
    }
    callback(() -> listener.onMessage(message));
  }

  private long deliveredSeqOf(String conversation) {
    return delivered.getOrDefault(conversation, 0L);
  }

  private void callback(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("the message listener threw; continuing", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Sending (any thread)

  private final class PendingSend {
    final Send send;
    final long deadlineMillis;
    final CompletableFuture<SendAck> result = new CompletableFuture<>();
    volatile @Nullable ScheduledFuture<?> timeout;
    private @Nullable Connection inFlight; // guarded by this
    private int retries; // guarded by this
    private boolean waiting; // guarded by sendGate

    PendingSend(Send send, long deadlineMillis) {
      this.send = send;
      this.deadlineMillis = deadlineMillis;
    }

    void finish(@Nullable SendAck ack, @Nullable Throwable error) {
      outbox.remove(send.getClientMsgId(), this);
      ScheduledFuture<?> t = timeout;
      if (t != null) {
        t.cancel(false);
      }
      if (error != null) {
        result.completeExceptionally(error);
      } else {
        result.complete(ack);
      }
    }
  }

  /**
   * Sends {@code p} on the current connection unless it is done, already waiting, or in flight
   * there. Sends wait in line, in order, while {@code maxInFlightSends} are unanswered or while the
   * retry-after of a RATE_LIMITED refusal runs (see {@link #drainSends}).
   */
  private void transmit(PendingSend p) {
    synchronized (sendGate) {
      if (!p.result.isDone() && !p.waiting) {
        p.waiting = true;
        waitingSends.addLast(p);
      }
    }
    drainSends(); // also for one already in line: the connection it waited for may be up now
  }

  /**
   * Transmits waiting sends, oldest first, while the window has room and no retry-after runs; when
   * one runs, drains again once it has passed. Any thread.
   */
  private void drainSends() {
    while (true) {
      Connection conn = current;
      PendingSend next;
      synchronized (sendGate) {
        if (conn == null || waitingSends.isEmpty()) {
          return;
        }
        long wait = sendsNotBeforeMillis - clock.millis();
        if (wait > 0) {
          scheduleDrain(wait);
          return;
        }
        if (sendsInFlight >= maxInFlightSends) {
          return;
        }
        next = waitingSends.pollFirst();
        next.waiting = false;
        if (next.result.isDone()) {
          continue;
        }
        sendsInFlight++;
      }
      send(next, conn);
    }
  }

  /** Guarded by sendGate: drains again after {@code delayMillis}, once. */
  private void scheduleDrain(long delayMillis) {
    if (drainScheduled) {
      return;
    }
    drainScheduled = true;
    try {
      timers.schedule(
          () -> {
            synchronized (sendGate) {
              drainScheduled = false;
            }
            drainSends();
          },
          delayMillis,
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      drainScheduled = false; // the client is closed; its sends fail with it
    }
  }

  /** A send of the window was answered (or failed): its slot is free. */
  private void sendAnswered() {
    synchronized (sendGate) {
      sendsInFlight--;
    }
    drainSends();
  }

  /** Puts a refused send back at the head of the line and holds every send until {@code at}. */
  private void waitForRetryAfter(PendingSend p, long at) {
    synchronized (sendGate) {
      sendsNotBeforeMillis = Math.max(sendsNotBeforeMillis, at);
      if (!p.result.isDone() && !p.waiting) {
        p.waiting = true;
        waitingSends.addFirst(p);
      }
    }
  }

  /** Holds a slot of the window: sends {@code p} on {@code conn} and handles its answer. */
  private void send(PendingSend p, Connection conn) {
    boolean already;
    synchronized (p) {
      already = p.inFlight == conn;
      p.inFlight = conn;
    }
    if (already) {
      sendAnswered();
      return;
    }
    conn.request(ClientFrame.newBuilder().setSend(p.send))
        .whenComplete((frame, e) -> {
          synchronized (p) {
            if (p.inFlight == conn) {
              p.inFlight = null;
            }
          }
          try {
            answered(p, conn, frame, e);
          } finally {
            sendAnswered();
          }
        });
  }

  private void answered(
      PendingSend p, Connection conn, @Nullable ServerFrame frame, @Nullable Throwable e) {
    if (e == null && frame != null) {
      if (frame.hasSendAck()) {
        p.finish(frame.getSendAck(), null);
      } else {
        p.finish(
            null, new IllegalStateException("expected send_ack but got " + frame.getBodyCase()));
      }
      return;
    }
    Throwable cause = unwrap(e);
    if (cause instanceof WarblerClientException w) {
      if (!w.retryable() || clock.millis() >= p.deadlineMillis) {
        p.finish(null, w);
        return;
      }
      if (w.code() == ErrorCode.RATE_LIMITED.code()) {
        // Same client_msg_id, after the retry-after, and nothing else goes out before it: the
        // server refuses the whole connection until then, so pipelining more only earns refusals.
        waitForRetryAfter(p, clock.millis() + Math.max(1, w.error().getRetryAfterMs()));
        return;
      }
      int retry;
      synchronized (p) {
        retry = p.retries++;
      }
      long wait = Math.max(w.error().getRetryAfterMs(), backoff.delay(retry, random).toMillis());
      try {
        timers.schedule(() -> transmit(p), wait, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closed) {
        p.finish(null, closedClient());
      }
    } else if ((cause instanceof TimeoutException && !conn.isClosed())
        || (current != null && current != conn)) {
      // No answer in time, or a newer connection is up: send again with the same client_msg_id.
      // Otherwise the flush after the next auth sends it again.
      transmit(p);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private <T> CompletableFuture<T> request(
      ClientFrame.Builder frame, ServerFrame.BodyCase expected, Function<ServerFrame, T> body) {
    Connection conn = current;
    if (conn == null) {
      return CompletableFuture.failedFuture(
          state == State.CLOSED
              ? closedClient()
              : new WarblerConnectionException(
                  WarblerConnectionException.ABNORMAL, "not connected (" + state + ")"));
    }
    return relay(conn.request(frame).thenApply(f -> body.apply(expect(f, expected))));
  }

  private static ClientFrame.Builder syncFrame(long cursor, int limit) {
    return ClientFrame.newBuilder().setSync(Sync.newBuilder().setCursor(cursor).setLimit(limit));
  }

  private static ClientFrame.Builder pullFrame(String conversation, long afterSeq, int limit) {
    return ClientFrame.newBuilder()
        .setPull(
            Pull.newBuilder().setConversation(conversation).setAfterSeq(afterSeq).setLimit(limit));
  }

  private static ServerFrame expect(ServerFrame frame, ServerFrame.BodyCase expected) {
    if (frame.getBodyCase() != expected) {
      throw new IllegalStateException(
          "expected a " + expected + " frame but the server answered " + frame.getBodyCase());
    }
    return frame;
  }

  /** Runs {@code task} on the dispatcher; false if the client is closed. */
  private boolean post(Runnable task) {
    try {
      dispatcher.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** The same outcome, completed off the caller's and the socket's threads. */
  private <T> CompletableFuture<T> relay(CompletableFuture<T> source) {
    CompletableFuture<T> out = new CompletableFuture<>();
    source.whenComplete((v, e) -> completions.execute(() -> complete(out, v, e)));
    return out;
  }

  private static <T> void complete(
      CompletableFuture<T> target, @Nullable T value, @Nullable Throwable e) {
    if (e != null) {
      target.completeExceptionally(unwrap(e));
    } else {
      target.complete(value);
    }
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    try {
      return future.get();
    } catch (ExecutionException e) {
      Throwable cause = unwrap(e);
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static WarblerConnectionException closedClient() {
    return new WarblerConnectionException(CloseCode.NORMAL.code(), "the client is closed");
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Configures a {@link WarblerClient}. Only the token supplier is required. Not thread-safe;
   * {@link #build()} copies what it needs.
   */
  public static final class Builder {
    /** Default HTTP base: the server's REST port on this machine. */
    public static final URI DEFAULT_SERVER = URI.create("http://127.0.0.1:8080");

    private List<URI> servers = List.of(DEFAULT_SERVER);
    private @Nullable URI webSocketUri;
    private @Nullable Supplier<String> tokens;
    private Encoding encoding = Encoding.PROTO;
    private MessageListener listener = m -> {};
    private Backoff backoff = Backoff.DEFAULT;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration sendTimeout = Duration.ofSeconds(30);
    private InstantSource clock = InstantSource.system();
    private boolean startFromNow = true;
    private String device = "warbler-sdk-java";
    private String app = "";
    private int syncPageSize = 100;
    private int pullPageSize = 100;
    private int maxPendingSends = 1_000;
    private int maxInFlightSends = 32;
    private int maxQueuedMessages = 10_000;
    private boolean deliveryAcks = true;
    private Duration deliveryAckDelay = Duration.ofMillis(500);
    private RandomGenerator random = new java.util.SplittableRandom();
    private @Nullable HttpClient httpClient;
    private @Nullable SSLContext sslContext;
    private @Nullable Transport transport;

    private Builder() {}

    /**
     * The server's HTTP base URI (default {@code http://127.0.0.1:8080}); the client asks its
     * {@code /v1/discovery} for the WebSocket address on every connect.
     */
    public Builder server(URI httpBase) {
      this.servers = List.of(Objects.requireNonNull(httpBase, "server"));
      return this;
    }

    /**
     * Several nodes of one cluster, by their HTTP base URIs: the client connects through the first
     * and, whenever a connection fails or is lost (a node killed or draining), reconnects through
     * the next one in turn, then syncs. Behind a load balancer, give its one address to {@link
     * #server} instead.
     */
    public Builder servers(List<URI> httpBases) {
      if (httpBases.isEmpty()) {
        throw new IllegalArgumentException("servers needs at least one URI");
      }
      this.servers = List.copyOf(httpBases);
      return this;
    }

    /** A fixed WebSocket address (for example {@code ws://host:7070/ws}); skips discovery. */
    public Builder webSocket(URI webSocketUri) {
      this.webSocketUri = Objects.requireNonNull(webSocketUri, "webSocket");
      return this;
    }

    /**
     * Where user tokens (JWTs) come from. Called on the dispatcher thread before every connect and
     * reconnect, so it may refresh an expiring token; it may block briefly. After the server closed
     * with 4102 (expired) or 4106 (revoked) the client reconnects only if this returns another
     * token; returning the refused one again stops the client with that code.
     */
    public Builder token(Supplier<String> tokens) {
      this.tokens = Objects.requireNonNull(tokens, "token supplier");
      return this;
    }

    /** A token that never changes. */
    public Builder token(String token) {
      Objects.requireNonNull(token, "token");
      return token(() -> token);
    }

    /** The wire encoding (default {@link Encoding#PROTO}). */
    public Builder encoding(Encoding encoding) {
      this.encoding = Objects.requireNonNull(encoding, "encoding");
      return this;
    }

    public Builder listener(MessageListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Reconnect and send-retry backoff (default 250 ms doubling to 30 s, full jitter). */
    public Builder backoff(Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /** How long one request (and the WebSocket handshake) may take (default 10 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("request timeout", timeout);
      return this;
    }

    /** How long a send may wait for its ack across reconnects (default 30 s). */
    public Builder sendTimeout(Duration timeout) {
      this.sendTimeout = positive("send timeout", timeout);
      return this;
    }

    /** The clock for send deadlines and heartbeat timestamps (default the system clock). */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * When true (the default), the first connect only records where each conversation stands and
     * the listener sees messages sent from then on; when false, the first connect delivers every
     * stored message of every conversation. Reconnects always deliver what was missed.
     */
    public Builder startFromNow(boolean startFromNow) {
      this.startFromNow = startFromNow;
      return this;
    }

    /** A device label shown in the server's logs (default {@code warbler-sdk-java}). */
    public Builder device(String device) {
      this.device = Objects.requireNonNull(device, "device");
      return this;
    }

    /**
     * The app the client expects its tokens to belong to; the server refuses a token of another app
     * with WRONG_APP. Default: not checked.
     */
    public Builder app(String app) {
      this.app = Objects.requireNonNull(app, "app");
      return this;
    }

    /** Conversations asked for per sync page (default 100; the server may cap it). */
    public Builder syncPageSize(int size) {
      this.syncPageSize = positive("sync page size", size);
      return this;
    }

    /** Messages asked for per pull page (default 100; the server may cap it). */
    public Builder pullPageSize(int size) {
      this.pullPageSize = positive("pull page size", size);
      return this;
    }

    /** Sends that may wait for an ack at once (default 1,000); more fail with LIMIT_EXCEEDED. */
    public Builder maxPendingSends(int max) {
      this.maxPendingSends = positive("max pending sends", max);
      return this;
    }

    /**
     * Sends transmitted and not yet answered at once (default 32); the others wait in line, in
     * order. The server stops reading a connection with 64 requests unanswered, and refuses the
     * whole connection for the retry-after of a RATE_LIMITED answer, so a bounded window keeps
     * sends from queueing up in the socket or earning refusals in bulk.
     */
    public Builder maxInFlightSends(int max) {
      this.maxInFlightSends = positive("max in-flight sends", max);
      return this;
    }

    /**
     * Live messages that may wait for the listener (default 10,000). Past it the client drops the
     * connection and catches up by sync after reconnecting, as the server does with a slow client.
     */
    public Builder maxQueuedMessages(int max) {
      this.maxQueuedMessages = positive("max queued messages", max);
      return this;
    }

    /**
     * Whether the client tells the server which messages the listener has seen (default true), so
     * that their senders get delivery receipts. Acks are coalesced: at most one per conversation
     * per {@link #deliveryAckDelay}.
     */
    public Builder deliveryAcks(boolean deliveryAcks) {
      this.deliveryAcks = deliveryAcks;
      return this;
    }

    /** How long delivery acks are gathered before they are sent (default 500 ms). */
    public Builder deliveryAckDelay(Duration delay) {
      this.deliveryAckDelay = positive("delivery ack delay", delay);
      return this;
    }

    /** The HTTP client for discovery and the WebSocket; the caller keeps ownership. */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /**
     * The TLS context for https:// and wss:// (default: the JVM's, which trusts its trust store);
     * for example {@link TrustedCertificates#sslContext} to trust a private CA. Not combinable with
     * {@link #httpClient}, which brings its own.
     */
    public Builder sslContext(SSLContext sslContext) {
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /**
     * Trusts exactly the certificates in a PEM file (a private CA or a self-signed server
     * certificate) for https:// and wss://; {@code sslContext(TrustedCertificates.sslContext(f))}.
     */
    public Builder trustedCertificates(java.nio.file.Path pemFile) {
      return sslContext(TrustedCertificates.sslContext(pemFile));
    }

    Builder transport(Transport transport) {
      this.transport = transport;
      return this;
    }

    Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    public WarblerClient build() {
      if (tokens == null) {
        throw new IllegalStateException("a token supplier is required: call token(...)");
      }
      if (httpClient != null && sslContext != null) {
        throw new IllegalStateException(
            "sslContext(...) and httpClient(...) exclude each other: set the SSLContext on the"
                + " HttpClient");
      }
      return new WarblerClient(this);
    }

    private static Duration positive(String name, Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }

    private static int positive(String name, int value) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}

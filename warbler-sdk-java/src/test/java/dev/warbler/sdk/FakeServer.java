package dev.warbler.sdk;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Closing;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.DeliveryReceipt;
import dev.warbler.protocol.v1.Error;
import dev.warbler.protocol.v1.GroupAck;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessagePage;
import dev.warbler.protocol.v1.Pong;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.PresenceList;
import dev.warbler.protocol.v1.ReadState;
import dev.warbler.protocol.v1.Receipts;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.protocol.v1.TypingEvent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An in-memory server behind the {@link Transport} seam: it answers auth, sync, pull, history, send
 * and ping like the real one, and lets a test store messages without pushing them (a lost
 * delivery), push frames, misbehave on sends and close connections with any code.
 */
final class FakeServer implements Transport {
  static final String USER = "bob";

  private final Map<String, List<Message>> messages = new HashMap<>();
  private final Map<String, Long> changedAt = new HashMap<>();
  private final Map<String, SendAck> acks = new HashMap<>();
  private long changes;

  final List<FakeLink> links = new CopyOnWriteArrayList<>();
  final List<ClientFrame> received = new CopyOnWriteArrayList<>();
  final AtomicInteger opens = new AtomicInteger();

  volatile long serverTime = 1_000_000;
  volatile int idleTimeoutSeconds;
  volatile Optional<ErrorCode> authError = Optional.empty();

  /** Decides what to do with a send; the default stores it and acks. */
  volatile Function<Send, SendOutcome> onSend = s -> SendOutcome.ACK;

  enum SendOutcome {
    ACK,
    /** Store the message, then drop the connection before acking. */
    STORE_AND_DROP,
    /** Say nothing at all. */
    SWALLOW,
    RATE_LIMITED,
    USER_NOT_FOUND,
    /** Hold the send unanswered until {@link #releaseHeld} acks it. */
    HOLD
  }

  /** The retry-after of a RATE_LIMITED answer. */
  volatile long retryAfterMs = 1;

  /** When each send arrived (nanoTime), in order. */
  final List<Long> sendArrivals = new CopyOnWriteArrayList<>();

  /** When each RATE_LIMITED answer was sent (nanoTime), in order. */
  final List<Long> refusals = new CopyOnWriteArrayList<>();

  private final List<Runnable> held = new ArrayList<>();
  private int mostHeld;

  /** Sends held now, and the most held at once so far. */
  synchronized int held() {
    return held.size();
  }

  synchronized int mostHeld() {
    return mostHeld;
  }

  /** Acks every held send (and pushes it), oldest first. */
  void releaseHeld() {
    List<Runnable> release;
    synchronized (this) {
      release = List.copyOf(held);
      held.clear();
    }
    release.forEach(Runnable::run);
  }

  @Override
  public CompletableFuture<Link> open(
      URI uri, Encoding encoding, Duration timeout, Inbound inbound) {
    opens.incrementAndGet();
    FakeLink link = new FakeLink(inbound);
    links.add(link);
    return CompletableFuture.completedFuture(link);
  }

  /** Stores a message without delivering it to anyone (as if the live delivery was lost). */
  synchronized Message store(String conversation, String from, String text) {
    return store(conversation, from, text, "", serverTime);
  }

  private synchronized Message store(
      String conversation, String from, String text, String clientMsgId, long sentAt) {
    List<Message> list = messages.computeIfAbsent(conversation, c -> new ArrayList<>());
    Message m =
        Message.newBuilder()
            .setConversation(conversation)
            .setSeq(list.size() + 1)
            .setId("m" + conversation + "-" + (list.size() + 1))
            .setClientMsgId(clientMsgId)
            .setFrom(from)
            .setType(dev.warbler.protocol.v1.MessageType.TEXT)
            .setText(text)
            .setSentAt(sentAt)
            .build();
    list.add(m);
    changedAt.put(conversation, ++changes);
    return m;
  }

  /** Stores a message and pushes it to every open connection. */
  Message deliver(String conversation, String from, String text) {
    Message m = store(conversation, from, text);
    push(m);
    return m;
  }

  void push(Message m) {
    links.forEach(l -> l.push(ServerFrame.newBuilder().setMessage(m).build()));
  }

  synchronized int stored(String conversation) {
    return messages.getOrDefault(conversation, List.of()).size();
  }

  FakeLink lastLink() {
    return links.getLast();
  }

  List<ClientFrame> received(ClientFrame.BodyCase kind) {
    return received.stream().filter(f -> f.getBodyCase() == kind).toList();
  }

  private synchronized ServerFrame answer(FakeLink link, ClientFrame frame) {
    ServerFrame.Builder out = ServerFrame.newBuilder().setId(frame.getId());
    return switch (frame.getBodyCase()) {
      case AUTH -> {
        if (authError.isPresent()) {
          yield out.setError(error(authError.get(), "token rejected")).build();
        }
        link.authenticated = true;
        yield out.setAuthOk(
                AuthOk.newBuilder()
                    .setApp("default")
                    .setUser(USER)
                    .setSession("s" + links.size())
                    .setServerTime(serverTime)
                    .setIdleTimeoutSeconds(idleTimeoutSeconds))
            .build();
      }
      case PING ->
          out.setPong(
                  Pong.newBuilder()
                      .setClientTime(frame.getPing().getClientTime())
                      .setServerTime(serverTime))
              .build();
      case SYNC -> {
        long cursor = frame.getSync().getCursor();
        int limit = frame.getSync().getLimit() == 0 ? 100 : frame.getSync().getLimit();
        List<Map.Entry<String, Long>> changed =
            changedAt.entrySet().stream()
                .filter(e -> e.getValue() > cursor)
                .sorted(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                .toList();
        SyncResult.Builder result = SyncResult.newBuilder().setCursor(cursor);
        for (Map.Entry<String, Long> e : changed.subList(0, Math.min(limit, changed.size()))) {
          List<Message> list = messages.get(e.getKey());
          result
              .addConversations(
                  ConversationState.newBuilder()
                      .setConversation(e.getKey())
                      .setLastSeq(list.size())
                      .setLastMessage(list.getLast()))
              .setCursor(e.getValue());
        }
        yield out.setSyncResult(result.setMore(changed.size() > limit)).build();
      }
      case PULL -> {
        List<Message> list = messages.getOrDefault(frame.getPull().getConversation(), List.of());
        int from = (int) Math.min(frame.getPull().getAfterSeq(), list.size());
        int limit = frame.getPull().getLimit() == 0 ? 100 : frame.getPull().getLimit();
        int to = Math.min(list.size(), from + limit);
        yield out.setMessages(
                MessagePage.newBuilder()
                    .setConversation(frame.getPull().getConversation())
                    .addAllMessages(list.subList(from, to))
                    .setMore(to < list.size()))
            .build();
      }
      case HISTORY -> {
        List<Message> list = messages.getOrDefault(frame.getHistory().getConversation(), List.of());
        long before =
            frame.getHistory().getBeforeSeq() == 0
                ? Long.MAX_VALUE
                : frame.getHistory().getBeforeSeq();
        int end = (int) Math.min(list.size(), before - 1);
        int limit = frame.getHistory().getLimit() == 0 ? 100 : frame.getHistory().getLimit();
        int start = Math.max(0, end - limit);
        yield out.setMessages(
                MessagePage.newBuilder()
                    .setConversation(frame.getHistory().getConversation())
                    .addAllMessages(list.subList(start, end))
                    .setMore(start > 0))
            .build();
      }
      case MARK_READ ->
          out.setReadState(
                  ReadState.newBuilder()
                      .setConversation(frame.getMarkRead().getConversation())
                      .setReadSeq(frame.getMarkRead().getSeq()))
              .build();
      case DELIVERED ->
          out.setDeliveryReceipt(
                  DeliveryReceipt.newBuilder()
                      .setConversation(frame.getDelivered().getConversation())
                      .setUser(USER)
                      .setDeliveredSeq(frame.getDelivered().getSeq()))
              .build();
      case TYPING ->
          out.setTypingEvent(
                  TypingEvent.newBuilder()
                      .setConversation(frame.getTyping().getConversation())
                      .setUser(USER)
                      .setActive(frame.getTyping().getActive()))
              .build();
      case GET_RECEIPTS ->
          out.setReceipts(
                  Receipts.newBuilder().setConversation(frame.getGetReceipts().getConversation()))
              .build();
      case SUBSCRIBE_PRESENCE -> {
        PresenceList.Builder list = PresenceList.newBuilder();
        frame
            .getSubscribePresence()
            .getUsersList()
            .forEach(u -> list.addEntries(PresenceEntry.newBuilder().setUser(u)));
        yield out.setPresenceList(list).build();
      }
      case SEND -> throw new IllegalStateException("sends are answered by handleSend");
      case GROUP_COMMAND ->
          out.setGroupAck(
                  GroupAck.newBuilder()
                      .setGroup(frame.getGroupCommand().getGroup())
                      .addAllUsers(frame.getGroupCommand().getInvite().getUsersList()))
              .build();
      case JOIN_CHATROOM,
          LEAVE_CHATROOM,
          SEND_FRIEND_REQUEST,
          RESPOND_FRIEND_REQUEST,
          LIST_FRIEND_REQUESTS,
          LIST_FRIENDS,
          REMOVE_FRIEND,
          BLOCK_USER,
          UNBLOCK_USER,
          LIST_BLOCKED,
          UPDATE_CONVERSATION ->
          out.setError(error(ErrorCode.UNKNOWN_FRAME, "not faked")).build();
      case BODY_NOT_SET -> out.setError(error(ErrorCode.UNKNOWN_FRAME, "no body")).build();
      case RECALL, EDIT, DELETE_FOR_ME, REACT, FORWARD ->
          out.setError(error(ErrorCode.UNKNOWN_FRAME, "not faked; see SdkIT")).build();
    };
  }

  private void handleSend(FakeLink link, ClientFrame frame) {
    sendArrivals.add(System.nanoTime());
    Send send = frame.getSend();
    SendOutcome outcome = onSend.apply(send);
    if (outcome == SendOutcome.HOLD) {
      synchronized (this) {
        held.add(() -> ack(link, frame, SendOutcome.ACK));
        mostHeld = Math.max(mostHeld, held.size());
      }
      return;
    }
    ack(link, frame, outcome);
  }

  private void ack(FakeLink link, ClientFrame frame, SendOutcome outcome) {
    Send send = frame.getSend();
    ServerFrame.Builder out = ServerFrame.newBuilder().setId(frame.getId());
    switch (outcome) {
      case SWALLOW, HOLD -> {}
      case RATE_LIMITED -> {
        refusals.add(System.nanoTime());
        link.push(
            out.setError(
                    error(ErrorCode.RATE_LIMITED, "slow down").toBuilder()
                        .setRetryAfterMs(retryAfterMs))
                .build());
      }
      case USER_NOT_FOUND ->
          link.push(
              out.setError(error(ErrorCode.USER_NOT_FOUND, "user 'nobody' does not exist"))
                  .build());
      case ACK, STORE_AND_DROP -> {
        SendAck ack;
        Message stored = null;
        synchronized (this) {
          SendAck earlier = acks.get(send.getClientMsgId());
          if (earlier != null) {
            ack = earlier.toBuilder().setDuplicate(true).build();
          } else {
            String conversation =
                send.hasGroup() ? "g:" + send.getGroup() : direct(USER, send.getUser());
            stored = store(conversation, USER, send.getText(), send.getClientMsgId(), serverTime);
            ack =
                SendAck.newBuilder()
                    .setConversation(conversation)
                    .setSeq(stored.getSeq())
                    .setMessageId(stored.getId())
                    .setSentAt(stored.getSentAt())
                    .setClientMsgId(send.getClientMsgId())
                    .build();
            acks.put(send.getClientMsgId(), ack);
          }
        }
        if (outcome == SendOutcome.STORE_AND_DROP) {
          link.drop();
          return;
        }
        link.push(out.setSendAck(ack).build());
        if (stored != null) {
          push(stored);
        }
      }
    }
  }

  static String direct(String a, String b) {
    return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
  }

  private static Error error(ErrorCode code, String message) {
    return Error.newBuilder()
        .setCode(code.code())
        .setName(code.name())
        .setMessage(message)
        .setRetryable(code.retryable())
        .build();
  }

  /** One connection. Everything it tells the client happens on its own single thread, in order. */
  final class FakeLink implements Link {
    private final Inbound inbound;
    private final ExecutorService thread =
        Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "fake-link");
          t.setDaemon(true);
          return t;
        });
    private volatile boolean closed;
    volatile boolean authenticated;

    FakeLink(Inbound inbound) {
      this.inbound = inbound;
    }

    @Override
    public void send(ClientFrame frame) {
      if (closed) {
        return;
      }
      received.add(frame);
      thread.execute(() -> {
        if (closed) {
          return;
        }
        if (frame.hasSend()) {
          handleSend(this, frame);
          return;
        }
        if (frame.getId().isEmpty() && (frame.hasDelivered() || frame.hasTyping())) {
          return; // notifications without an id are not answered
        }
        ServerFrame answer = answer(this, frame);
        inbound.onFrame(answer);
        if (frame.hasAuth() && answer.hasError()) {
          closeFromServer(4100, "auth failed");
        }
      });
    }

    void push(ServerFrame frame) {
      thread.execute(() -> {
        if (!closed && authenticated) {
          inbound.onFrame(frame);
        }
      });
    }

    /** The server's close: a closing frame, then the close. */
    void closeFromServer(int code, String reason) {
      thread.execute(() -> {
        if (closed) {
          return;
        }
        boolean reconnect = WarblerConnectionException.shouldReconnect(code);
        inbound.onFrame(
            ServerFrame.newBuilder()
                .setClosing(
                    Closing.newBuilder().setCode(code).setReason(reason).setReconnect(reconnect))
                .build());
        closed = true;
        inbound.onClosed(code, reason);
      });
    }

    /** The network fails: no close frame. */
    void drop() {
      thread.execute(() -> {
        if (!closed) {
          closed = true;
          inbound.onClosed(WarblerConnectionException.ABNORMAL, "connection reset");
        }
      });
    }

    boolean isClosed() {
      return closed;
    }

    @Override
    public void close(int code, String reason) {
      thread.execute(() -> {
        if (!closed) {
          closed = true;
          inbound.onClosed(code, reason);
        }
      });
    }

    @Override
    public void abort() {
      drop();
    }
  }
}

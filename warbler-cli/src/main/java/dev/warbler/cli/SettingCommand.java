package dev.warbler.cli;

import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.UpdateConversation;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code warbler pin|mute|archive --as U (--with U2 | --group GID | --conversation ID) [--off]}:
 * changes one of the user's own settings of a conversation (synced to the user's other devices) and
 * prints the conversation as {@code conversations} does.
 */
abstract class SettingCommand extends ClientCommand {
  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "the user")
  String as = "";

  @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  ConversationTarget target = new ConversationTarget();

  @CommandLine.Option(names = "--off", description = "turn the setting off")
  boolean off;

  SettingCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  /** Sets this command's field to {@code on}. */
  abstract void set(UpdateConversation.Builder update, boolean on);

  @Override
  int run() throws Exception {
    String conversation = target.id(as);
    UpdateConversation.Builder update =
        UpdateConversation.newBuilder().setConversation(conversation);
    set(update, !off);
    try (ClientSession session = ClientSession.open(options, env, as, m -> {})) {
      ConversationState state =
          session
              .client
              .updateConversation(update.build())
              .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      printLine(JsonLines.conversation(state));
      return 0;
    }
  }

  @CommandLine.Command(
      name = "pin",
      mixinStandardHelpOptions = true,
      description = "Pin a conversation to the top of the user's list (--off to unpin).")
  static final class Pin extends SettingCommand {
    Pin(Environment env) {
      super(env);
    }

    @Override
    void set(UpdateConversation.Builder update, boolean on) {
      update.setPinned(on);
    }
  }

  @CommandLine.Command(
      name = "mute",
      mixinStandardHelpOptions = true,
      description = "Mute a conversation: no push notifications (--off to unmute).")
  static final class Mute extends SettingCommand {
    Mute(Environment env) {
      super(env);
    }

    @Override
    void set(UpdateConversation.Builder update, boolean on) {
      update.setMuted(on);
    }
  }

  @CommandLine.Command(
      name = "archive",
      mixinStandardHelpOptions = true,
      description = "Archive a conversation (--off to bring it back).")
  static final class Archive extends SettingCommand {
    Archive(Environment env) {
      super(env);
    }

    @Override
    void set(UpdateConversation.Builder update, boolean on) {
      update.setArchived(on);
    }
  }
}

package dev.warbler.cli;

import java.util.List;

/**
 * The client subcommands of {@code warbler}: {@code user}, {@code group}, {@code send}, {@code
 * listen}, {@code history}, {@code chat}, the message lifecycle's {@code recall}, {@code edit} and
 * {@code react}, and {@code room}, {@code friend}, {@code block}, {@code unblock}, {@code
 * conversations}, {@code pin}, {@code mute} and {@code archive}. Register each with {@code
 * CommandLine.addSubcommand(Object)}.
 *
 * <p>Each command talks to a server found by {@code --server} (else {@code WARBLER_SERVER}, else
 * {@code http://127.0.0.1:8080}), in the app {@code --app} (default {@code default}); it mints user
 * tokens with the admin key ({@code --admin-key-file}, else {@code WARBLER_ADMIN_KEY}, else {@code
 * ./data/admin.key}) and learns the WebSocket address from discovery. JSON output goes to stdout,
 * one document per line; errors go to stderr as {@code error: NAME (code): message} with exit code
 * 1; usage errors exit with 2.
 */
public final class ClientCommands {
  private ClientCommands() {}

  /** New instances of the client commands, reading this process's environment. */
  public static List<Object> clientCommands() {
    return clientCommands(Environment.system());
  }

  /** New instances of the client commands, reading {@code env} (for tests and embedding). */
  public static List<Object> clientCommands(Environment env) {
    return List.of(
        new UserCommand(env),
        new GroupCommand(env),
        new SendCommand(env),
        new NotifyCommand(env),
        new ListenCommand(env),
        new HistoryCommand(env),
        new ChatCommand(env),
        new RecallCommand(env),
        new EditCommand(env),
        new ReactCommand(env),
        new RoomCommand(env),
        new FriendCommand(env),
        new BlockCommand.Block(env),
        new BlockCommand.Unblock(env),
        new ConversationsCommand(env),
        new SettingCommand.Pin(env),
        new SettingCommand.Mute(env),
        new SettingCommand.Archive(env));
  }
}

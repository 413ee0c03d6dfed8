package dev.warbler.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/** {@code --with USER | --group GID | --conversation ID}: which conversation a command acts in. */
final class ConversationTarget {
  @CommandLine.Option(
      names = "--with",
      required = true,
      paramLabel = "USER",
      description = "the other user of a direct conversation")
  @Nullable String user;

  @CommandLine.Option(
      names = "--group",
      required = true,
      paramLabel = "GID",
      description = "a group")
  @Nullable String group;

  @CommandLine.Option(
      names = "--conversation",
      required = true,
      paramLabel = "ID",
      description = "a conversation id (d:A:B, g:GID, s:USER)")
  @Nullable String conversation;

  /** The conversation id, as seen by {@code as}. */
  String id(String as) {
    if (user != null) {
      return ClientCommand.direct(as, user);
    }
    return group != null ? "g:" + group : String.valueOf(conversation);
  }
}

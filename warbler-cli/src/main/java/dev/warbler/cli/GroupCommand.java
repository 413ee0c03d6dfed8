package dev.warbler.cli;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/** {@code warbler group create GID --owner U --members U1,U2 [--name NAME]}. */
@CommandLine.Command(
    name = "group",
    mixinStandardHelpOptions = true,
    description = "Manage groups (with the admin key).",
    subcommands = GroupCommand.Create.class)
final class GroupCommand implements Runnable {
  final Environment env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  GroupCommand(Environment env) {
    this.env = env;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: create");
  }

  @CommandLine.Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a group; prints it as one JSON line.")
  static final class Create extends ClientCommand {
    @CommandLine.ParentCommand GroupCommand parent;

    @CommandLine.Parameters(index = "0", paramLabel = "GID", description = "group id")
    String id = "";

    @CommandLine.Option(
        names = "--owner",
        required = true,
        paramLabel = "USER",
        description = "owner (also a member)")
    String owner = "";

    @CommandLine.Option(
        names = "--members",
        split = ",",
        paramLabel = "USER",
        description = "members, comma-separated (the owner is added if missing)")
    List<String> members = new ArrayList<>();

    @CommandLine.Option(names = "--name", paramLabel = "NAME", description = "display name")
    @Nullable String name;

    @Override
    Environment env() {
      return parent.env;
    }

    @Override
    int run() {
      List<String> all = new ArrayList<>();
      all.add(owner);
      members.stream()
          .map(String::strip)
          .filter(m -> !m.isEmpty() && !all.contains(m))
          .forEach(all::add);
      printLine(
          JsonLines.group(
              options
                  .admin(env())
                  .createGroup(options.app, id, name == null ? "" : name, owner, all)));
      return 0;
    }
  }
}

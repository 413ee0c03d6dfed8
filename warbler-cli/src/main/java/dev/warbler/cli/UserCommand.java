package dev.warbler.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/** {@code warbler user create ID [--name NAME]}. */
@CommandLine.Command(
    name = "user",
    mixinStandardHelpOptions = true,
    description = "Manage users (with the admin key).",
    subcommands = UserCommand.Create.class)
final class UserCommand implements Runnable {
  final Environment env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  UserCommand(Environment env) {
    this.env = env;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: create");
  }

  @CommandLine.Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a user; prints it as one JSON line.")
  static final class Create extends ClientCommand {
    @CommandLine.ParentCommand UserCommand parent;

    @CommandLine.Parameters(index = "0", paramLabel = "ID", description = "user id")
    String id = "";

    @CommandLine.Option(names = "--name", paramLabel = "NAME", description = "display name")
    @Nullable String name;

    @Override
    Environment env() {
      return parent.env;
    }

    @Override
    int run() {
      printLine(
          JsonLines.user(
              options.admin(env()).createUser(options.app, id, name == null ? "" : name)));
      return 0;
    }
  }
}

package dev.warbler.server;

import picocli.CommandLine;

/** Entry point of the runnable jar: {@code java -jar warbler.jar COMMAND}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (Runtime.version().feature() < 21) {
      System.err.println(
          "Warbler needs Java 21 or newer; this is Java " + Runtime.version() + ". Set JAVA_HOME.");
      System.exit(2);
    }
    int code = commandLine().execute(args);
    if (code != 0 || !ServeCommand.running()) {
      System.exit(code);
    }
  }

  /** The whole command tree: serve, config, bench, chaos and the client commands. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new WarblerCommand());
    cli.addSubcommand(new ServeCommand());
    cli.addSubcommand(new ConfigCommand());
    cli.addSubcommand(new AuditCommand());
    cli.addSubcommand(new dev.warbler.bench.BenchCommand());
    cli.addSubcommand(new dev.warbler.chaos.ChaosCommand());
    for (Object command : dev.warbler.cli.ClientCommands.clientCommands()) {
      cli.addSubcommand(command);
    }
    return cli;
  }

  @CommandLine.Command(
      name = "warbler",
      mixinStandardHelpOptions = true,
      version = "Warbler 0.1.0",
      description = "Cloud-native instant messaging: server and command-line client.")
  static final class WarblerCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }
}

package dev.warbler.server;

import java.io.PrintWriter;
import picocli.CommandLine;

/** {@code warbler config defaults}: every setting, its default, its variable and its reason. */
@CommandLine.Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Show configuration settings.",
    subcommands = ConfigCommand.Defaults.class)
public final class ConfigCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @CommandLine.Command(
      name = "defaults",
      mixinStandardHelpOptions = true,
      description = "Print every setting with its default as a properties file.")
  static final class Defaults implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      PrintWriter out = spec.commandLine().getOut();
      out.println("# Warbler settings: file (--config), then env, then flags.");
      for (Setting s : Setting.values()) {
        out.printf(
            "%n# %s%n# env: %s%n%s=%s%n",
            s.description(), s.environmentVariable(), s.key(), s.defaultValue());
      }
      out.flush();
    }
  }
}

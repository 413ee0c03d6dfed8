package dev.warbler.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code warbler notify --to U --template ID [--field K=V]...}: sends an order or logistics update
 * to a user as the system (with the admin key), rendered by the server from the app's template;
 * prints the ack as one JSON line.
 */
@CommandLine.Command(
    name = "notify",
    mixinStandardHelpOptions = true,
    description = "Send a templated system notification to a user (admin key).")
final class NotifyCommand extends ClientCommand {
  private final Environment env;

  @CommandLine.Option(
      names = "--to",
      required = true,
      paramLabel = "USER",
      description = "the recipient")
  String to = "";

  @CommandLine.Option(
      names = "--template",
      required = true,
      paramLabel = "ID",
      description = "template id, e.g. order_shipped (see the REST operation listTemplates)")
  String template = "";

  @CommandLine.Option(
      names = "--field",
      paramLabel = "NAME=VALUE",
      description = "a template field; repeat for each")
  Map<String, String> fields = new LinkedHashMap<>();

  NotifyCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  @Override
  int run() {
    printLine(JsonLines.ack(options.admin(env).notify(options.app, to, template, fields)));
    return 0;
  }
}

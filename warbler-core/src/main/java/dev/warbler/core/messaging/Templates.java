package dev.warbler.core.messaging;

import dev.warbler.core.Ids;
import dev.warbler.core.WarblerException;
import dev.warbler.core.spi.TemplateStore;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Structured system notifications (order and logistics updates): an app backend sends a template id
 * and fields; the message stores both (as its payload) and the rendered text, so every client can
 * show it and clients that know the template can render it their own way. Built-in e-commerce
 * templates exist for every app and can be replaced per app.
 */
public final class Templates {
  /** Placeholders: {@code {name}} with a name of letters, digits, '_', '.' or '-'. */
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_.-]{1,64})}");

  /** Templates every app has until it replaces them. */
  public static final Map<String, String> BUILT_IN =
      Map.of(
          "order_paid", "Payment of {amount} received for order {order}.",
          "order_shipped", "Order {order} has shipped with {carrier}. Tracking number: {tracking}.",
          "order_delivered", "Order {order} was delivered.",
          "delivery_update", "Order {order}: {status}.",
          "refund_issued", "A refund of {amount} for order {order} is on its way.");

  private final TemplateStore store;
  private final InstantSource clock;
  private final int maxTemplateBytes;

  public Templates(TemplateStore store, InstantSource clock, int maxTemplateBytes) {
    if (maxTemplateBytes <= 0) {
      throw new IllegalArgumentException(
          "max template bytes must be positive but was " + maxTemplateBytes);
    }
    this.store = store;
    this.clock = clock;
    this.maxTemplateBytes = maxTemplateBytes;
  }

  /** Creates or replaces the app's template {@code id}. */
  public Template put(String app, String id, String text) {
    Ids.require("template", id);
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (text.isBlank() || bytes > maxTemplateBytes) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "template text must be 1-"
              + maxTemplateBytes
              + " bytes (limits.max-template-bytes) and not blank but was "
              + bytes
              + " bytes");
    }
    Template template = new Template(id, text, clock.millis());
    store.put(app, template);
    return template;
  }

  /** The app's template, or the built-in one of that id. */
  public Optional<Template> find(String app, String id) {
    return store
        .template(app, id)
        .or(() -> Optional.ofNullable(BUILT_IN.get(id)).map(text -> new Template(id, text, 0)));
  }

  /** The app's template or the built-in one; NOT_FOUND when there is neither. */
  public Template require(String app, String id) {
    return find(app, id)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.NOT_FOUND,
                "template '" + Ids.clip(id) + "' does not exist in app " + app));
  }

  /** The app's own templates and the built-in ones it has not replaced, sorted by id. */
  public List<Template> list(String app) {
    Map<String, Template> all = new TreeMap<>();
    BUILT_IN.forEach((id, text) -> all.put(id, new Template(id, text, 0)));
    store.templates(app).forEach(t -> all.put(t.id(), t));
    return List.copyOf(all.values());
  }

  /** The fields a template needs, in order of first use. */
  public static Set<String> fieldsOf(String text) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** Renders a template; NOT_FOUND for an unknown id, INVALID_ARGUMENT for a missing field. */
  public String render(String app, String id, Map<String, String> fields) {
    Template template = require(app, id);
    Matcher m = PLACEHOLDER.matcher(template.text());
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = fields.get(m.group(1));
      if (value == null) {
        throw new WarblerException(
            ErrorCode.INVALID_ARGUMENT,
            "template '"
                + id
                + "' needs field '"
                + m.group(1)
                + "'; it uses "
                + fieldsOf(template.text()));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}

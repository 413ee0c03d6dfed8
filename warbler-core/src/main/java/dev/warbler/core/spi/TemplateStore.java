package dev.warbler.core.spi;

import dev.warbler.core.messaging.Template;
import java.util.List;
import java.util.Optional;

/**
 * An app's notification templates. Writes are durable when the method returns; thread-safe; may
 * block on I/O.
 */
public interface TemplateStore {

  /** Creates or replaces a template. */
  void put(String app, Template template);

  Optional<Template> template(String app, String id);

  /** The app's templates, sorted by id. */
  List<Template> templates(String app);
}

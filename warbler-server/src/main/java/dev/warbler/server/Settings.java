package dev.warbler.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/** Resolved configuration: one value per {@link Setting}, with typed accessors. Immutable. */
public final class Settings {
  private final Map<Setting, String> values;

  private Settings(Map<Setting, String> values) {
    this.values = values;
  }

  public static Settings defaults() {
    Map<Setting, String> v = new EnumMap<>(Setting.class);
    for (Setting s : Setting.values()) {
      v.put(s, s.defaultValue());
    }
    return new Settings(v);
  }

  /** Defaults, then the file (if any), then the environment. */
  public static Settings load(Optional<Path> file, Map<String, String> env) {
    Settings s = defaults();
    Optional<Path> path =
        file.or(() -> Optional.ofNullable(env.get("WARBLER_CONFIG")).map(Path::of));
    if (path.isPresent()) {
      s = s.withFile(path.get());
    }
    return s.withEnvironment(env);
  }

  private Settings withFile(Path path) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(path)) {
      p.load(r);
    } catch (IOException | IllegalArgumentException e) {
      // Properties.load throws IllegalArgumentException on a malformed unicode escape.
      throw new IllegalArgumentException("cannot read config file " + path + ": " + e.getMessage());
    }
    Settings s = this;
    for (String name : p.stringPropertyNames()) {
      Setting setting =
          Arrays.stream(Setting.values())
              .filter(x -> x.key().equals(name))
              .findFirst()
              .orElseThrow(() ->
                  new IllegalArgumentException(
                      "unknown setting '" + name + "' in " + path + "; see warbler config"));
      s = s.with(setting, p.getProperty(name).trim());
    }
    return s;
  }

  private Settings withEnvironment(Map<String, String> env) {
    Settings s = this;
    for (Setting setting : Setting.values()) {
      String v = env.get(setting.environmentVariable());
      if (v != null) {
        s = s.with(setting, v);
      }
    }
    String adminKey = env.get("WARBLER_ADMIN_KEY");
    if (adminKey != null && !adminKey.isBlank()) {
      s = s.with(Setting.AUTH_ADMIN_KEY, adminKey.trim());
    }
    return s;
  }

  public Settings with(Setting setting, String value) {
    Map<Setting, String> v = new EnumMap<>(values);
    v.put(setting, value);
    return new Settings(v);
  }

  public String string(Setting s) {
    return values.get(s);
  }

  public int integer(Setting s) {
    String v = values.get(s);
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          s.key() + " must be an integer but was '" + v + "' (" + s.environmentVariable() + ")");
    }
  }

  public boolean bool(Setting s) {
    String v = values.get(s).trim();
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(v);
    }
    throw new IllegalArgumentException(s.key() + " must be true or false but was '" + v + "'");
  }

  public List<String> list(Setting s) {
    return Arrays.stream(values.get(s).split(","))
        .map(String::trim)
        .filter(x -> !x.isEmpty())
        .toList();
  }

  public Path path(Setting s) {
    String v = values.get(s);
    try {
      return Path.of(v);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(
          s.key()
              + " is not a valid path: "
              + e.getMessage()
              + " ("
              + s.environmentVariable()
              + ")");
    }
  }
}

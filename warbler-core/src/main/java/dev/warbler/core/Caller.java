package dev.warbler.core;

import dev.warbler.core.audit.Audit;
import java.util.Objects;

/**
 * Who makes a request, as the audit log names them: the app acted on, the credential's actor
 * ({@code admin}, {@code app:ID}, {@code user:ID}; see {@link Audit}) and the client's address (an
 * IP, no port). A transport builds it where it knows all three; the core services that audit what
 * they do take it, so every transport gets the same audit trail.
 */
public record Caller(String app, String actor, String address) {
  public Caller {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(address, "address");
  }

  /** A user authenticated with a token, at {@code address}. */
  public static Caller user(Principal who, String address) {
    return new Caller(who.app(), Audit.user(who.user()), address);
  }
}

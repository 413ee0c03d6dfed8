package dev.warbler.core.access;

import dev.warbler.core.Principal;

/**
 * A token that passed {@link TokenService#verify}: who it proves, when it was issued ({@code iat}
 * in milliseconds, 0 when absent), its id ({@code jti}, empty when absent) and its expiry ({@code
 * exp} in milliseconds). Revocation ({@link Access}) looks at the last three.
 */
public record VerifiedToken(Principal principal, long issuedAt, String id, long expiresAt) {}

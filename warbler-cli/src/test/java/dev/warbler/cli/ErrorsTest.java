package dev.warbler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.v1.Error;
import dev.warbler.sdk.WarblerClientException;
import dev.warbler.sdk.WarblerConnectionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class ErrorsTest {
  @Test
  void aProtocolErrorShowsNameCodeAndMessage() {
    var e =
        new WarblerClientException(
            Error.newBuilder()
                .setCode(4001)
                .setName("USER_NOT_FOUND")
                .setMessage("user 'x' does not exist")
                .build());

    assertThat(Errors.describe(new ExecutionException(e)))
        .isEqualTo("error: USER_NOT_FOUND (4001): user 'x' does not exist");
  }

  @Test
  void aCloseShowsTheCloseCodeName() {
    assertThat(Errors.describe(new WarblerConnectionException(4103, "user removed")))
        .isEqualTo("error: USER_REMOVED (4103): user removed");
    assertThat(Errors.describe(new WarblerConnectionException(1006, "Connection refused")))
        .isEqualTo("error: CONNECTION_FAILED (1006): Connection refused");
  }

  @Test
  void otherFailuresShowTheirMessage() {
    assertThat(Errors.describe(new UncheckedIOException(new IOException("cannot reach http://x"))))
        .isEqualTo("error: cannot reach http://x");
    assertThat(Errors.describe(new CliException("no admin key"))).isEqualTo("error: no admin key");
  }
}

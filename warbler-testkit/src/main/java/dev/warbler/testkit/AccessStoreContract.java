package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.warbler.core.directory.User;
import dev.warbler.core.spi.AccessStore;
import dev.warbler.core.spi.AccessStore.RevokedToken;
import dev.warbler.core.spi.AccessStore.UserAccess;
import dev.warbler.core.spi.DirectoryStore;
import dev.warbler.core.spi.Stores;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link AccessStore} promises next to the {@link DirectoryStore} it shares a
 * database with: bans, token cut-offs and revoked tokens are durable, and deleting a user erases
 * its own. A store kind's test extends this class and says how to open its bundle over a directory
 * ({@link #openStores}, see {@link BundleContract}).
 */
public abstract class AccessStoreContract<S extends Stores> extends BundleContract<S> {
  protected static final String APP = "acme";
  protected static final String OTHER_APP = "globex";

  @Test
  void accessStatesAndRevokedTokensSurviveAReopenAndExpiredTokensArePurged() throws Exception {
    UserAccess banned = new UserAccess(APP, "zed", 10, "spam", 0);
    UserAccess revoked = new UserAccess(APP, "amy", 0, "", 2_000);
    stores().access().putUserAccess(banned);
    stores().access().putUserAccess(revoked);
    stores().access().revokeToken(new RevokedToken(APP, "t1", "amy", 5_000));
    stores().access().revokeToken(new RevokedToken(APP, "t2", "amy", 9_000));

    reopen();

    assertThat(stores().access().userAccess()).containsExactlyInAnyOrder(banned, revoked);
    assertThat(stores().access().revokedTokens(6_000))
        .containsExactly(new RevokedToken(APP, "t2", "amy", 9_000));
    assertThat(stores().access().purgeRevokedTokens(6_000)).isEqualTo(1);
    assertThat(stores().access().revokedTokens(0))
        .extracting(RevokedToken::id)
        .containsExactly("t2");
  }

  @Test
  void deletingAUserErasesItsBanTokenCutOffAndRevokedTokensOnly() throws Exception {
    stores().directory().createUser(new User(APP, "zed", "Zed", 1));
    stores().directory().createUser(new User(APP, "amy", "Amy", 1));
    stores().access().putUserAccess(new UserAccess(APP, "zed", 10, "spam", 2_000));
    stores().access().putUserAccess(new UserAccess(APP, "amy", 0, "", 2_000));
    stores().access().putUserAccess(new UserAccess(OTHER_APP, "zed", 10, "elsewhere", 0));
    stores().access().revokeToken(new RevokedToken(APP, "t-zed", "zed", 9_000));
    stores().access().revokeToken(new RevokedToken(APP, "t-amy", "amy", 9_000));

    assertThat(stores().directory().deleteUser(APP, "zed", 3_000)).isTrue();
    reopen();

    assertThat(stores().access().userAccess())
        .extracting(UserAccess::app, UserAccess::user)
        .containsExactlyInAnyOrder(tuple(APP, "amy"), tuple(OTHER_APP, "zed"));
    assertThat(stores().access().revokedTokens(0))
        .extracting(RevokedToken::id)
        .containsExactly("t-amy");
  }
}

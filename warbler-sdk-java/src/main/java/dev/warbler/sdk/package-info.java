/**
 * The Warbler Java SDK: {@link dev.warbler.sdk.WarblerClient} speaks the WebSocket protocol as a
 * user, {@link dev.warbler.sdk.WarblerAdmin} calls the REST API as an app backend.
 */
@NullMarked
package dev.warbler.sdk;

import org.jspecify.annotations.NullMarked;

/** The server REST API for app backends and operators; described by docs/openapi.yaml. */
@NullMarked
package dev.warbler.api;

import org.jspecify.annotations.NullMarked;

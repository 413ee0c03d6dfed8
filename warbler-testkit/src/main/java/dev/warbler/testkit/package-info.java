/** Test support shared by every module: contract tests, protocol client, fake clock. */
@NullMarked
package dev.warbler.testkit;

import org.jspecify.annotations.NullMarked;

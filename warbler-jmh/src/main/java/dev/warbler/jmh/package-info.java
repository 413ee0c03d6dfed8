/**
 * JMH microbenchmarks of the server's hot paths: frame codecs, store appends, group fan-out and
 * token verification. They run on purpose ({@code java -jar warbler-jmh/target/warbler-jmh.jar}),
 * never in the build.
 */
@NullMarked
package dev.warbler.jmh;

import org.jspecify.annotations.NullMarked;

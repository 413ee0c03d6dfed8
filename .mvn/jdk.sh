# Sourced by ./mvnw and ./warbler (POSIX sh): points JAVA_HOME at a JDK 21 or newer when the one
# in JAVA_HOME, or else the `java` on the PATH, is older or missing. Looks in the usual places
# (/usr/lib/jvm, macOS, SDKMAN, /opt/java) and takes the newest JDK found. Leaves everything as it
# was when none is found, so the build's own check (maven-enforcer) says what is needed.

warbler_java_feature() {
  # The feature release of the java executable $1 (8, 17, 21, 25...), or nothing.
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = //p' | sed 's/^1\.//' | cut -d. -f1
}

warbler_find_jdk() {
  warbler_current="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  if command -v "$warbler_current" >/dev/null 2>&1; then
    warbler_f="$(warbler_java_feature "$warbler_current")"
    if [ "${warbler_f:-0}" -ge 21 ] 2>/dev/null; then
      return 0
    fi
  fi
  warbler_best=""
  warbler_best_f=0
  warbler_globbing_was_off=false
  case "$-" in *f*) warbler_globbing_was_off=true; set +f ;; esac
  for warbler_home in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home \
    "${HOME:-/nonexistent}"/.sdkman/candidates/java/* /opt/java/*; do
    [ -x "$warbler_home/bin/javac" ] || continue
    warbler_f="$(warbler_java_feature "$warbler_home/bin/java")"
    if [ "${warbler_f:-0}" -ge 21 ] 2>/dev/null && [ "$warbler_f" -gt "$warbler_best_f" ]; then
      warbler_best="$warbler_home"
      warbler_best_f="$warbler_f"
    fi
  done
  if [ "$warbler_globbing_was_off" = true ]; then set -f; fi
  if [ -n "$warbler_best" ]; then
    echo "${0##*/}: ${JAVA_HOME:-the java on the PATH} is not JDK 21+; using JAVA_HOME=$warbler_best (JDK $warbler_best_f)" >&2
    JAVA_HOME="$warbler_best"
    export JAVA_HOME
  fi
}

warbler_find_jdk

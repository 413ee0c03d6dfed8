#!/usr/bin/env bash
# Makes the files that Jib adds to the container image on top of its base (docs/adr/0022):
#
#   rootfs.sh OUT BASE JDK MODULES JAR
#
#   OUT      directory to (re)create; Jib copies it to / of the image
#   BASE     the base image (warbler.image.base).
#            scratch: the image has nothing else, so OUT gets everything the JVM needs to run:
#                   a jlink runtime of JDK at /opt/java/openjdk (where eclipse-temurin images keep
#                   theirs), the shared libraries that runtime and the server's native libraries
#                   (inside JAR) link against, copied from this machine as ldd finds them, and
#                   /etc/passwd, /etc/group and /etc/nsswitch.conf naming the warbler user
#            any other (eclipse-temurin:25-jre): the base brings Java, its libraries and /etc;
#                   OUT gets only the directories
#   JDK      the JDK whose jlink makes the runtime (the build's own, so the image runs what the
#            tests ran)
#   MODULES  comma-separated Java modules of the runtime (jdeps --print-module-deps on the jar)
#   JAR      the shaded warbler.jar, searched for the native libraries it loads (SQLite, Netty)
#
# Both cases make /tmp and /var/lib/warbler (the working directory; its data/ is created by the
# server, 0700, owned by the user it runs as). Jib sets their modes (warbler-server/pom.xml).
set -euo pipefail

if [ "$#" -ne 5 ]; then
  echo "usage: rootfs.sh OUT BASE JDK MODULES JAR" >&2
  exit 2
fi
out="$1"
base="$2"
jdk="$3"
modules="$4"
jar="$(cd "$(dirname "$5")" && pwd)/$(basename "$5")"

# The user and group the image runs as (Jib's container.user says the same numbers).
uid=10001
gid=10001

rm -rf "$out"
mkdir -p "$out/tmp" "$out/var/lib/warbler"

if [ "$base" != scratch ]; then
  echo "rootfs.sh: Java comes from the base image $base"
  exit 0
fi

for tool in "$jdk/bin/jlink" "$jdk/bin/jar" "$(command -v ldd || true)"; do
  if [ -z "$tool" ] || [ ! -x "$tool" ]; then
    echo "rootfs.sh: needs jlink and jar (in $jdk/bin) and ldd; missing: ${tool:-ldd}" >&2
    exit 1
  fi
done

runtime="$out/opt/java/openjdk"
mkdir -p "$out/opt/java"
"$jdk/bin/jlink" \
  --add-modules "$modules" \
  --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
  --output "$runtime"

# The server runs headless (java.awt.headless=true): the X11, sound and splash-screen libraries of
# java.desktop (a module Jackson and Jetty reach through java.beans) are never loaded, and on a
# build machine without X11 they would not resolve.
rm -f "$runtime/lib/libawt_xawt.so" "$runtime/lib/libjawt.so" \
  "$runtime/lib/libsplashscreen.so" "$runtime/lib/libjsound.so"

# Native libraries the server extracts from its jar at run time (to java.io.tmpdir).
natives="$(mktemp -d)"
trap 'rm -rf "$natives"' EXIT
mapfile -t entries < <("$jdk/bin/jar" tf "$jar" |
  grep -E '^(org/sqlite/native/Linux/x86_64/.*\.so|META-INF/native/.*x86_64.*\.so)$' || true)
if [ "${#entries[@]}" -eq 0 ]; then
  echo "rootfs.sh: found no Linux x86_64 native library in $jar (SQLite, Netty epoll)" >&2
  exit 1
fi
(cd "$natives" && "$jdk/bin/jar" xf "$jar" "${entries[@]}")

# Every shared library those link against, as ldd resolves it on this machine. libjvm.so is
# loaded by the launcher before the libraries that name it, so ldd's "not found" for it is fine.
# libgcc_s is dlopen()ed by glibc (thread cancellation, unwinding), which ldd cannot see.
libs="$(
  {
    find "$runtime" "$natives" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 |
      xargs -0 ldd 2>/dev/null || true
  } | awk '
      /not found/ && $1 != "libjvm.so" { print "MISSING " $1; next }
      $2 == "=>" && $3 ~ /^\// { print $3 }
      $1 ~ /^\// { print $1 }' | sort -u
)"
if grep -q '^MISSING' <<<"$libs"; then
  echo "rootfs.sh: ldd cannot resolve: $(grep '^MISSING' <<<"$libs" | cut -d' ' -f2 | tr '\n' ' ')" >&2
  exit 1
fi
for extra in libgcc_s.so.1; do
  path="$(ldconfig -p 2>/dev/null | awk -v l="$extra" '$1 == l && /x86-64/ { print $NF; exit }')"
  if [ -n "$path" ]; then
    libs="$libs"$'\n'"$path"
  fi
done
count=0
while IFS= read -r lib; do
  [ -z "$lib" ] && continue
  case "$lib" in
    "$runtime"/* | "$natives"/*) continue ;; # inside the runtime or the jar already
  esac
  # Same path as on the build machine (the loader's /lib64/ld-linux-x86-64.so.2 is named in every
  # executable), as a regular file: cp -L copies what a symbolic link points to.
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
  count=$((count + 1))
done <<<"$libs"

mkdir -p "$out/etc"
cat >"$out/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
warbler:x:$uid:$gid:Warbler:/var/lib/warbler:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat >"$out/etc/group" <<EOF
root:x:0:
warbler:x:$gid:
nogroup:x:65534:
EOF
cat >"$out/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF

echo "rootfs.sh: runtime of $(du -sh "$runtime" | cut -f1) ($modules), $count shared libraries from this machine"

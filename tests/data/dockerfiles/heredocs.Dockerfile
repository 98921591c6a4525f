# syntax=docker/dockerfile:1.7
FROM alpine:3.19
RUN <<EOF
apk add --no-cache curl
echo "built at $(date)" > /built
EOF
COPY <<EOF /etc/motd
Welcome, ${USER_NAME:-student}!
EOF
COPY <<'EOF' /usr/local/bin/hello
#!/bin/sh
echo "hello $1"
EOF
RUN <<-"EOT" sh
	echo tabs are stripped
	EOT
RUN cat <<A <<B > /both
first
A
second
B
CMD ["cat", "/etc/motd"]

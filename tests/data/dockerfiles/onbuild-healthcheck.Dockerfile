FROM nginx:1.20
MAINTAINER Course Team <course@example.org>
ONBUILD COPY site/ /usr/share/nginx/html/
ONBUILD RUN echo "onbuild trigger ran"
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s CMD curl -f http://localhost/ || exit 1
STOPSIGNAL SIGTERM
VOLUME ["/var/cache/nginx"]
VOLUME /data /logs
EXPOSE 80/tcp 53/udp
ENV LEGACY value with spaces
USER root
ENTRYPOINT /docker-entrypoint.sh nginx -g "daemon off;"
HEALTHCHECK NONE

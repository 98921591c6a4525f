FROM ubuntu:22.04
# apt in one layer, with a comment inside the continuation
RUN apt-get update \
# this comment line is skipped
    && apt-get install -y --no-install-recommends \
        ca-certificates \

        curl \
    && rm -rf /var/lib/apt/lists/*
ENV GREETING="hello \
world"
RUN echo $GREETING \
  && echo done
CMD ["bash"]

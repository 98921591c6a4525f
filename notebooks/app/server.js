// A tiny web server with no dependencies: Node's own http module only.
// It answers every request with a greeting and the hostname of the machine that served it:
// in a container that is the container's id, in a Kubernetes pod the pod's name,
// which makes load balancing visible.
const http = require("http");
const os = require("os");

const port = process.env.PORT || 3000;
const greeting = process.env.GREETING || "Hello from a container";

const server = http.createServer((req, res) => {
  console.log(`${new Date().toISOString()} ${req.method} ${req.url}`);
  if (req.url === "/healthz") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end("ok\n");
    return;
  }
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(`${greeting}! served by ${os.hostname()}\n`);
});

server.listen(port, () => {
  console.log(`hello-node listening on port ${port}`);
});

// Stop cleanly when Docker or Kubernetes asks (SIGTERM), instead of being killed after the grace period.
process.on("SIGTERM", () => server.close(() => process.exit(0)));

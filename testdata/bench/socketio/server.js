// chat.prog's workload on socket.io, long-polling only: a socket that
// emits "subscribe" joins the room; "post" sends the text to the room.
// The first line printed is the address, as a Prog server prints it.
const http = require("http");
const { Server } = require("socket.io");

const server = http.createServer();
const io = new Server(server, { transports: ["polling"], serveClient: false });
io.on("connection", (socket) => {
  socket.on("subscribe", () => socket.join("chat"));
  socket.on("post", (text) => io.to("chat").emit("msg", text));
});
server.listen(0, "127.0.0.1", () => {
  console.log(`serving socketio at http://127.0.0.1:${server.address().port}/`);
});
process.on("SIGINT", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));

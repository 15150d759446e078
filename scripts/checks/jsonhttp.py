"""What the fake API servers of the checks share: a request handler that
answers JSON and logs nothing. Scripts one folder down import it after
putting this folder on sys.path."""
import http.server
import json


class JsonHandler(http.server.BaseHTTPRequestHandler):
    def send_json(self, code, body):
        """Answer with status CODE and BODY as JSON. Every answer, errors
        too, has its length: a body that ends when the connection does
        would end without TLS close_notify."""
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

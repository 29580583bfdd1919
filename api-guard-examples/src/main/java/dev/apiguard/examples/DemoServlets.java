package dev.apiguard.examples;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.Problem;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.eclipse.jetty.ee10.servlet.ErrorHandler;

/** The demo API's servlets: what sits behind the guard. */
final class DemoServlets {

    static final int MAX_PAGE_SIZE = 100;
    static final int MAX_BODY = 64 * 1024;

    private DemoServlets() {}

    static void json(HttpServletResponse response, int status, String body) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    static void problem(HttpServletResponse response, int status, String code, String title, String detail)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        byte[] bytes = new Problem(Problem.TYPE_BASE + code, title, status, detail)
                .toJson()
                .getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** {@code GET /health}. */
    static final class Health extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            json(resp, 200, "{\"status\":\"ok\"}");
        }
    }

    /** {@code GET /customers/{serviceTag}} and {@code GET /customers?page=N&size=M}. */
    static final class Customers extends HttpServlet {
        private final CustomerDirectory directory;

        Customers(CustomerDirectory directory) {
            this.directory = directory;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String info = req.getPathInfo();
            if (info == null || info.equals("/") && "/customers".equals(req.getServletPath())) {
                page(req, resp);
                return;
            }
            String tag = info.substring(1);
            CustomerDirectory.Customer c = tag.indexOf('/') >= 0 ? null : directory.find(tag);
            if (c == null) {
                problem(resp, 404, "not-found", "Not found", "No customer has this service tag.");
            } else {
                json(resp, 200, c.toJson());
            }
        }

        private void page(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            int page;
            int size;
            try {
                page = intParam(req, "page", 0);
                size = intParam(req, "size", 20);
            } catch (NumberFormatException e) {
                problem(resp, 400, "bad-page", "Bad page request", "page and size must be whole numbers.");
                return;
            }
            if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
                problem(
                        resp,
                        400,
                        "bad-page",
                        "Bad page request",
                        "page counts from 0 and size must be from 1 to " + MAX_PAGE_SIZE + ".");
                return;
            }
            List<CustomerDirectory.Customer> items = directory.page(page, size);
            StringBuilder sb = new StringBuilder("{\"page\":")
                    .append(page)
                    .append(",\"size\":")
                    .append(size)
                    .append(",\"total\":")
                    .append(directory.all().size())
                    .append(",\"items\":[");
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(items.get(i).toJson());
            }
            json(resp, 200, sb.append("]}").toString());
        }

        private static int intParam(HttpServletRequest req, String name, int fallback) {
            String v = req.getParameter(name);
            if (v == null) {
                return fallback;
            }
            if (v.length() > 9) {
                throw new NumberFormatException();
            }
            return Integer.parseInt(v);
        }
    }

    /** {@code POST /payments}: 201 for any JSON object body, 400 otherwise. */
    static final class Payments extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            byte[] body;
            try (InputStream in = req.getInputStream()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            if (body.length > MAX_BODY) {
                problem(resp, 413, "too-large", "Payload too large", "A payment is at most 64 KiB of JSON.");
                return;
            }
            try {
                JSONObjectUtils.parse(new String(body, StandardCharsets.UTF_8));
            } catch (java.text.ParseException | RuntimeException e) {
                problem(resp, 400, "bad-json", "Bad payment", "The body must be a JSON object.");
                return;
            }
            String id = "pay_" + UUID.randomUUID().toString().replace("-", "");
            resp.setHeader("Location", "/payments/" + id);
            json(resp, 201, "{\"paymentId\":" + JsonText.quote(id) + ",\"status\":\"accepted\"}");
        }
    }

    /** Errors the servlet context raises, as problem JSON without stack traces. */
    static final class ProblemErrorHandler extends ErrorHandler {
        ProblemErrorHandler() {
            setShowStacks(false);
        }

        @Override
        protected boolean generateAcceptableResponse(
                org.eclipse.jetty.server.Request request,
                org.eclipse.jetty.server.Response response,
                org.eclipse.jetty.util.Callback callback,
                String contentType,
                List<java.nio.charset.Charset> charsets,
                int code,
                String message,
                Throwable cause) {
            return writeProblem(response, callback, code);
        }
    }

    /** Errors the server raises before any context (malformed or ambiguous URIs), as problem JSON. */
    static final class ServerProblemErrorHandler extends org.eclipse.jetty.server.handler.ErrorHandler {
        ServerProblemErrorHandler() {
            setShowStacks(false);
        }

        @Override
        protected boolean generateAcceptableResponse(
                org.eclipse.jetty.server.Request request,
                org.eclipse.jetty.server.Response response,
                org.eclipse.jetty.util.Callback callback,
                String contentType,
                List<java.nio.charset.Charset> charsets,
                int code,
                String message,
                Throwable cause) {
            return writeProblem(response, callback, code);
        }
    }

    static boolean writeProblem(
            org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback, int code) {
        int status = code < 400 || code > 599 ? 500 : code;
        // fixed text only: the container's message may quote the request
        String body =
                new Problem(Problem.TYPE_BASE + "error", "Error", status, "The request could not be served.").toJson();
        response.getHeaders().put("Content-Type", "application/problem+json");
        response.write(true, java.nio.ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}

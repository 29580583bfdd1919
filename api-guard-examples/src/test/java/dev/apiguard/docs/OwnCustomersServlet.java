package dev.apiguard.docs;

// tag::own-customers[]
import dev.apiguard.Caller;
import dev.apiguard.servlet.Callers;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;

/** GET /customers/{tag}: a partner reads its own customers only (OWASP API1, object-level authorization). */
public final class OwnCustomersServlet extends HttpServlet {

    private final Map<String, String> partnerOfCustomer; // the app's data: customer tag -> owning partner

    public OwnCustomersServlet(Map<String, String> partnerOfCustomer) {
        this.partnerOfCustomer = Map.copyOf(partnerOfCustomer);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Caller caller = Callers.require(request); // verified by the guard, scope checked by the route
        String partner = caller.claims().string("partner_id").orElse(caller.id()); // a claim the issuer adds
        String tag = request.getPathInfo() == null ? "" : request.getPathInfo().substring(1);
        if (!partner.equals(partnerOfCustomer.get(tag))) {
            // another partner's customer, or none: the same answer, so ids cannot be probed
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        response.setContentType("application/json");
        response.getWriter().print("{\"customer\":\"" + tag + "\"}");
    }
}
// end::own-customers[]

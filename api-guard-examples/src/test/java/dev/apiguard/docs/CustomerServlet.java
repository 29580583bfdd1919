package dev.apiguard.docs;

// tag::caller[]
import dev.apiguard.Caller;
import dev.apiguard.servlet.Callers;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

public final class CustomerServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Caller caller = Callers.require(request); // the verified caller; also request.getUserPrincipal()
        String who = caller.id(); // client_id, else azp, else sub
        boolean mayPay = caller.hasScope("payments:write"); // exact scope tokens
        String how = caller.kind().name(); // BEARER_JWT, MTLS_BOUND_JWT, DPOP_BOUND_JWT, API_KEY, MTLS...
        String tenant = caller.claims().string("tenant").orElse("-"); // any verified claim, read-only
        response.setContentType("text/plain");
        response.getWriter().print(who + " " + how + " " + mayPay + " " + tenant);
    }
}
// end::caller[]

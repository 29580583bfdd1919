/**
 * The Jakarta Servlet adapter: the filters that run the guard, the request view it reads and the
 * writer that turns a denial into the response.
 */
@NullMarked
package dev.apiguard.servlet;

import org.jspecify.annotations.NullMarked;

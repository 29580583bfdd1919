/**
 * Least-privilege routes: the rules that map a method and path template to the scopes it needs, and
 * the guard step ({@link dev.apiguard.scope.RouteAuthorizationStep}) that enforces them.
 */
@NullMarked
package dev.apiguard.scope;

import org.jspecify.annotations.NullMarked;

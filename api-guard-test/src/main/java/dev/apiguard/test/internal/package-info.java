/** Implementation details of the test kit; not API, may change in any release. */
package dev.apiguard.test.internal;

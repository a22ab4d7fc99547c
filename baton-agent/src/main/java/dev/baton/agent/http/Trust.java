package dev.baton.agent.http;

import dev.baton.core.BatonException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** An SSL context that trusts given certificates as well as the JDK's certificate authorities. */
final class Trust {
  private Trust() {}

  static SSLContext context(List<X509Certificate> anchors) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < anchors.size(); i++) {
        store.setCertificateEntry("baton-" + i, anchors.get(i));
      }
      TrustManagerFactory own = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      own.init(store);
      TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      jdk.init((KeyStore) null);
      X509TrustManager mine = first(own.getTrustManagers());
      X509TrustManager theirs = first(jdk.getTrustManagers());
      X509TrustManager either = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String auth) throws java.security.cert.CertificateException {
          theirs.checkClientTrusted(chain, auth);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String auth) throws java.security.cert.CertificateException {
          try {
            mine.checkServerTrusted(chain, auth);
          } catch (java.security.cert.CertificateException e) {
            theirs.checkServerTrusted(chain, auth);
          }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          List<X509Certificate> all = new ArrayList<>(Arrays.asList(mine.getAcceptedIssuers()));
          all.addAll(Arrays.asList(theirs.getAcceptedIssuers()));
          return all.toArray(new X509Certificate[0]);
        }
      };
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {either}, null);
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new BatonException("cannot set up TLS trust: " + e.getMessage(), e);
    }
  }

  private static X509TrustManager first(TrustManager[] managers) {
    return Arrays.stream(managers).filter(X509TrustManager.class::isInstance).map(X509TrustManager.class::cast)
        .findFirst().orElseThrow();
  }
}

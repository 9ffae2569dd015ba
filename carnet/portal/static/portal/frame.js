// Inside the practice's website: tell the page that frames us how tall we are (nothing else).
(function () {
  if (window.parent === window) { return; }
  function send() {
    window.parent.postMessage({ carnetBookingHeight: document.documentElement.scrollHeight }, "*");
  }
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
  send();
})();

// On the practice's own website, next to the iframe: size the booking frame to its content.
// Only messages from the frame's own window and origin are read, and only a number.
(function () {
  window.addEventListener("message", function (event) {
    document.querySelectorAll("iframe[data-carnet-booking]").forEach(function (frame) {
      if (event.source !== frame.contentWindow) { return; }
      if (new URL(frame.src).origin !== event.origin) { return; }
      var height = Number(event.data && event.data.carnetBookingHeight);
      if (height > 0 && height < 20000) { frame.style.height = Math.ceil(height) + "px"; }
    });
  });
})();

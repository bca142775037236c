// Express 4 installed under an alias, so the guards are tested on both majors.
declare module 'express4' {
  import express from 'express';
  export default express;
}

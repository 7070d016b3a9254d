/** The parts of jStat (https://jstat.github.io) this project uses; the package ships no types. */
declare module 'jstat' {
  const jStat: {
    studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number };
    chisquare: { cdf(x: number, dof: number): number; inv(p: number, dof: number): number };
  };
  export default jStat;
}
